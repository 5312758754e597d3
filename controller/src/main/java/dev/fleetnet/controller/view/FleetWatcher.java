package dev.fleetnet.controller.view;

import static dev.fleetnet.controller.store.Keys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.ListeningPorts;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.SshCa;
import dev.fleetnet.proto.v1.SshUserKey;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link Fleet} snapshot current: loads the desired state at one revision, then folds
 * etcd watch events into new snapshots and hands each to subscribers. A broken or compacted
 * watch reloads a fresh snapshot. Threading: one owner thread ("fleet") does all of it.
 */
public final class FleetWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetWatcher.class);
    private final Client client;
    private final Keys keys;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleet");
        t.setDaemon(true);
        return t;
    });
    private final List<Consumer<Fleet>> subscribers = new CopyOnWriteArrayList<>();
    private volatile Fleet current = Fleet.EMPTY;
    private Watch.Watcher watcher;
    private long generation;

    public FleetWatcher(Client client, Keys keys) {
        this.client = client;
        this.keys = keys;
    }

    /** Loads the first snapshot (blocking) and starts watching. */
    public void start() throws Exception {
        loop.submit(() -> {
            reload();
            return null;
        }).get(30, TimeUnit.SECONDS);
    }

    public Fleet current() {
        return current;
    }

    /** Calls {@code subscriber} on the fleet thread with the current snapshot, then with each new one. */
    public Runnable subscribe(Consumer<Fleet> subscriber) {
        loop.execute(() -> {
            subscribers.add(subscriber);
            subscriber.accept(current);
        });
        return () -> subscribers.remove(subscriber);
    }

    private void reload() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        long myGeneration = ++generation;
        try {
            GetResponse hosts = get(keys.hosts(), 0);
            long revision = hosts.getHeader().getRevision();
            Fleet fleet = Fleet.EMPTY.atRevision(revision);
            for (KeyValue kv : hosts.getKvs()) {
                fleet = fleet.withHost(Host.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.networks(), revision).getKvs()) {
                fleet = fleet.withNetwork(Network.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.machines(), revision).getKvs()) {
                fleet = fleet.withMachine(Machine.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.routes(), revision).getKvs()) {
                fleet = fleet.withRoute(kv.getKey().toString(StandardCharsets.UTF_8).substring(keys.routes().length()),
                        Route.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.listening(), revision).getKvs()) {
                ListeningPorts ports = ListeningPorts.parseFrom(kv.getValue().getBytes());
                fleet = fleet.withListening(ports.getMachine(), ports.getPortsList());
            }
            for (KeyValue kv : get(keys.certificates(), revision).getKvs()) {
                fleet = fleet.withCertificate(kv.getKey().toString(StandardCharsets.UTF_8).substring(keys.certificates().length()),
                        Certificate.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.acmeChallenges(), revision).getKvs()) {
                fleet = fleet.withAcmeChallenge(AcmeChallenge.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.sshKeys(), revision).getKvs()) {
                fleet = fleet.withSshKey(SshUserKey.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.hostIdentities(), revision).getKvs()) {
                fleet = fleet.withIdentity(HostIdentity.parseFrom(kv.getValue().getBytes()));
            }
            for (KeyValue kv : get(keys.sshCa(), revision).getKvs()) {
                fleet = fleet.withSshCa(SshCa.parseFrom(kv.getValue().getBytes()).getPublicKey());
            }
            publish(fleet);
            watcher = client.getWatchClient().watch(bytes(keys.prefix()),
                    WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
                    Watch.listener(response -> loop.execute(() -> {
                        if (generation == myGeneration) {
                            apply(response);
                        }
                    }), error -> loop.execute(() -> {
                        if (generation == myGeneration) {
                            log.warn("etcd watch ended ({}); reloading the fleet", error.toString());
                            scheduleReload();
                        }
                    })));
        } catch (Exception e) {
            log.warn("cannot load the fleet from etcd ({}); retrying", e.toString());
            scheduleReload();
        }
    }

    private void scheduleReload() {
        loop.schedule(this::reload, 1, TimeUnit.SECONDS);
    }

    private GetResponse get(String prefix, long revision) throws Exception {
        GetOption.Builder option = GetOption.builder().isPrefix(true);
        if (revision > 0) {
            option.withRevision(revision);
        }
        return client.getKVClient().get(bytes(prefix), option.build()).get(10, TimeUnit.SECONDS);
    }

    /** Folds a batch of events; subscribers hear of it only if desired state changed (not for status writes). */
    private void apply(WatchResponse response) {
        Fleet before = current;
        Fleet fleet = before;
        for (WatchEvent event : response.getEvents()) {
            fleet = fold(fleet, event);
        }
        Fleet next = fleet.atRevision(Math.max(fleet.revision(), response.getHeader().getRevision()));
        if (fleet == before) {
            current = next;
        } else {
            publish(next);
        }
    }

    private Fleet fold(Fleet fleet, WatchEvent event) {
        String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
        boolean put = event.getEventType() == WatchEvent.EventType.PUT;
        byte[] value = event.getKeyValue().getValue().getBytes();
        try {
            if (key.startsWith(keys.hosts())) {
                return put ? fleet.withHost(Host.parseFrom(value)) : fleet.withoutHost(key.substring(keys.hosts().length()));
            }
            if (key.startsWith(keys.networks())) {
                return put ? fleet.withNetwork(Network.parseFrom(value)) : fleet.withoutNetwork(key.substring(keys.networks().length()));
            }
            if (key.startsWith(keys.routes())) {
                String routeKey = key.substring(keys.routes().length());
                return put ? fleet.withRoute(routeKey, Route.parseFrom(value)) : fleet.withoutRoute(routeKey);
            }
            if (key.startsWith(keys.listening())) {
                return put ? fleet.withListening(key.substring(keys.listening().length()), ListeningPorts.parseFrom(value).getPortsList())
                        : fleet.withListening(key.substring(keys.listening().length()), java.util.List.of());
            }
            if (key.startsWith(keys.certificates())) {
                String certificateKey = key.substring(keys.certificates().length());
                return put ? fleet.withCertificate(certificateKey, Certificate.parseFrom(value)) : fleet.withoutCertificate(certificateKey);
            }
            if (key.startsWith(keys.acmeChallenges())) {
                String token = key.substring(keys.acmeChallenges().length());
                return put ? fleet.withAcmeChallenge(AcmeChallenge.parseFrom(value).toBuilder().setToken(token).build())
                        : fleet.withoutAcmeChallenge(token);
            }
            if (key.startsWith(keys.sshKeys())) {
                return put ? fleet.withSshKey(SshUserKey.parseFrom(value)) : fleet.withoutSshKey(key.substring(keys.sshKeys().length()));
            }
            if (key.equals(keys.sshCa()) && put) { // only the public key reaches views
                return fleet.withSshCa(SshCa.parseFrom(value).getPublicKey());
            }
            if (key.startsWith(keys.hostIdentities())) {
                return put ? fleet.withIdentity(HostIdentity.parseFrom(value))
                        : fleet.withoutIdentity(key.substring(keys.hostIdentities().length()));
            }
            if (key.startsWith(keys.machines())) {
                return put ? fleet.withMachine(Machine.parseFrom(value)) : fleet.withoutMachine(key.substring(keys.machines().length()));
            }
        } catch (InvalidProtocolBufferException e) {
            log.error("ignoring corrupt value at etcd key {}: {}", key, e.getMessage());
        }
        return fleet; // status, index and counters are not part of the desired state
    }

    private void publish(Fleet fleet) {
        current = fleet;
        for (Consumer<Fleet> subscriber : subscribers) {
            try {
                subscriber.accept(fleet);
            } catch (RuntimeException e) {
                log.warn("fleet subscriber failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        loop.execute(() -> {
            generation++;
            if (watcher != null) {
                watcher.close();
            }
        });
        loop.shutdown();
    }
}

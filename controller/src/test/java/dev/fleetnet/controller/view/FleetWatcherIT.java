package dev.fleetnet.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The fleet snapshot follows etcd, and reloads when its watch is cut off while the history it missed is compacted away. */
class FleetWatcherIT {

    @Test
    void aCompactedWatchReloadsTheSnapshotAndStatusWritesPublishNothing() throws Exception {
        int proxyPort = freePort();
        try (EtcdProcess etcd = EtcdProcess.start();
                Client direct = Client.builder().endpoints(etcd.endpoint()).build()) {
            int etcdPort = Integer.parseInt(etcd.endpoint().substring(etcd.endpoint().lastIndexOf(':') + 1));
            Process proxy = proxy(proxyPort, etcdPort);
            try (Client proxied = Client.builder().endpoints("http://127.0.0.1:" + proxyPort).build();
                    FleetWatcher watcher = new FleetWatcher(proxied, new Keys("/w/"))) {
                FleetStore store = new FleetStore(direct, new Keys("/w/"));
                store.ensureDefaultNetwork();
                store.joinHost("h1", "k1", "[fd01::1]:51820");
                watcher.start();
                LinkedBlockingQueue<Fleet> published = new LinkedBlockingQueue<>();
                watcher.subscribe(published::add);
                await(published, f -> f.hosts().containsKey("h1"));

                store.createMachine(machine("web"));
                await(published, f -> f.machines().containsKey("web"));
                store.status().reportStatus("h1", MachineStatus.newBuilder().setName("web").setState(MachineState.MACHINE_STATE_RUNNING).build());
                store.createMachine(machine("api"));
                assertThat(await(published, f -> true).machines()).as("the status write published no snapshot").containsKey("api");

                // Cut the watch off, change and compact what it would have resumed from, then let it reconnect.
                stop(proxy);
                store.joinHost("h2", "k2", "[fd01::2]:51820");
                store.deleteMachine("web");
                long revision = direct.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                direct.getKVClient().compact(revision, CompactOption.builder().withCompactPhysical(true).build()).get(10, TimeUnit.SECONDS);
                proxy = proxy(proxyPort, etcdPort);

                Fleet reloaded = await(published, f -> f.hosts().containsKey("h2") && !f.machines().containsKey("web"));
                assertThat(reloaded.machines()).containsOnlyKeys("api");
                assertThat(reloaded.revision()).isGreaterThanOrEqualTo(revision);
                store.createMachine(machine("after"));
                await(published, f -> f.machines().containsKey("after"));
            } finally {
                stop(proxy);
            }
        }
    }

    private static Machine machine(String name) {
        return Machine.newBuilder().setName(name).setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                .setDesiredState(MachineState.MACHINE_STATE_RUNNING).build();
    }

    /** The first published snapshot matching {@code condition}, within a deadline. */
    private static Fleet await(LinkedBlockingQueue<Fleet> published, Predicate<Fleet> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Fleet fleet = published.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(fleet).as("a matching fleet snapshot before the deadline").isNotNull();
            if (condition.test(fleet)) {
                return fleet;
            }
        }
    }

    private static Process proxy(int listen, int target) throws Exception {
        Process p = new ProcessBuilder(List.of("socat", "TCP-LISTEN:" + listen + ",bind=127.0.0.1,reuseaddr,fork",
                "TCP:127.0.0.1:" + target)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) { // listening yet?
            try {
                new java.net.Socket(InetAddress.getLoopbackAddress(), listen).close();
                return p;
            } catch (java.io.IOException notYet) {
                assertThat(p.isAlive()).as("socat running").isTrue();
                assertThat(System.nanoTime()).as("socat listening within 10s").isLessThan(deadline);
                Thread.sleep(20); // polling interval
            }
        }
    }

    /** Stops the proxy and the per-connection children it forked, cutting every connection through it. */
    private static void stop(Process proxy) throws InterruptedException {
        List<ProcessHandle> children = proxy.descendants().toList();
        proxy.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        proxy.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : children) {
            child.onExit().join();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

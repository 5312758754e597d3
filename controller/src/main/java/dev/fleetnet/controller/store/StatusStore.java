package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.proto.v1.ListeningPorts;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What agents report, under the status prefix that views never read: machine status, the
 * revision each host last applied, and lease-backed sessions (a host is connected while its
 * session key exists, so a dead controller's sessions expire with their lease).
 */
public final class StatusStore {
    private static final Duration APPLIED_POLL = Duration.ofMillis(10);
    private final KV kv;
    private final Keys keys;

    public StatusStore(KV kv, Keys keys) {
        this.kv = kv;
        this.keys = keys;
    }

    /**
     * Stores a machine's reported status if it differs from the stored one, and only while
     * the machine exists on {@code host} (checked in the same transaction, so a late report
     * cannot resurrect the status of a deleted machine).
     */
    public void reportStatus(String host, MachineStatus status) {
        String machineKey = keys.machine(status.getName());
        KeyValue machine = Etcd.get(kv, machineKey);
        if (machine == null || !Etcd.parse(Machine.parser(), machine).getHost().equals(host)) {
            return;
        }
        KeyValue stored = Etcd.get(kv, keys.machineStatus(status.getName()));
        MachineStatus previous = stored == null ? null : Etcd.parse(MachineStatus.parser(), stored);
        if (status.equals(previous)) {
            return;
        }
        List<Op> writes = new ArrayList<>();
        writes.add(Op.put(bytes(keys.machineStatus(status.getName())), Etcd.value(status), PutOption.DEFAULT));
        List<Integer> before = previous == null ? List.of() : previous.getListeningPortsList();
        if (!before.equals(status.getListeningPortsList())) { // views carry listening ports: write them only on change
            String key = keys.listening(status.getName());
            writes.add(status.getListeningPortsCount() == 0 ? Op.delete(bytes(key), DeleteOption.DEFAULT)
                    : Op.put(bytes(key), Etcd.value(ListeningPorts.newBuilder().setMachine(status.getName())
                            .addAllPorts(status.getListeningPortsList()).build()), PutOption.DEFAULT));
        }
        Etcd.await("put status of " + status.getName(), kv.txn()
                .If(new Cmp(bytes(machineKey), Cmp.Op.EQUAL, CmpTarget.createRevision(machine.getCreateRevision())))
                .Then(writes.toArray(Op[]::new)).commit());
    }

    /** Records the last desired-state revision {@code host}'s agent acknowledged as applied. */
    public void recordApplied(String host, long revision) {
        Etcd.await("put applied revision of " + host,
                kv.put(bytes(keys.appliedRevision(host)), ByteSequence.from(Long.toString(revision), StandardCharsets.UTF_8)));
    }

    /** Marks {@code host} connected for as long as {@code leaseId} lives; {@code session} identifies this stream. */
    public void openSession(String host, String session, long leaseId) {
        Etcd.await("put session of " + host, kv.put(bytes(keys.session(host)),
                ByteSequence.from(session, StandardCharsets.UTF_8), PutOption.builder().withLeaseId(leaseId).build()));
    }

    /** Ends a session, unless a newer stream of the same host (to any controller) has replaced it. */
    public void closeSession(String host, String session) {
        Etcd.await("delete session of " + host, kv.txn()
                .If(new Cmp(bytes(keys.session(host)), Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(session, StandardCharsets.UTF_8))))
                .Then(Op.delete(bytes(keys.session(host)), DeleteOption.DEFAULT)).commit());
    }

    /** Session values by host name. */
    Map<String, String> sessions() {
        Map<String, String> out = new HashMap<>();
        for (KeyValue kv : Etcd.getPrefix(this.kv, keys.sessions()).getKvs()) {
            out.put(name(kv, keys.sessions()), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    Map<String, Long> appliedRevisions() {
        Map<String, Long> out = new HashMap<>();
        for (KeyValue kv : Etcd.getPrefix(this.kv, keys.applied()).getKvs()) {
            out.put(name(kv, keys.applied()), Long.parseLong(kv.getValue().toString(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /**
     * The hosts holding a control session whose agent has not yet acknowledged applying desired state
     * at {@code revision} or later (agents acknowledge once their ingress has it).
     */
    public List<String> hostsBehind(long revision) {
        Map<String, Long> applied = appliedRevisions();
        return sessions().keySet().stream().filter(host -> applied.getOrDefault(host, 0L) < revision).sorted().toList();
    }

    /**
     * Waits until {@code host}'s agent has acknowledged applying {@code revision} (or a later one),
     * polling etcd, and says how the wait ended: applied, timed out, or not waited for because the
     * host holds no session. A disconnected host is not waited for: it would apply nothing meanwhile.
     */
    public ApplyWait awaitApplied(String host, long revision, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            long applied = appliedRevision(host);
            if (applied >= revision) {
                return new ApplyWait.Applied(host, revision, applied, Duration.ofNanos(System.nanoTime() - start));
            }
            boolean connected = Etcd.get(kv, keys.session(host)) != null;
            long now = System.nanoTime(); // after the reads: a timeout reports the whole wait, never less than the timeout
            if (!connected) {
                return new ApplyWait.HostDisconnected(host, revision, applied, Duration.ofNanos(now - start));
            }
            if (now - deadline >= 0) {
                return new ApplyWait.TimedOut(host, revision, applied, Duration.ofNanos(now - start));
            }
            try {
                Thread.sleep(APPLIED_POLL.toMillis()); // polling interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the call is being cancelled: report what is known
                return new ApplyWait.TimedOut(host, revision, applied, Duration.ofNanos(System.nanoTime() - start));
            }
        }
    }

    /** The last revision {@code host} acknowledged; 0 when it never did. */
    long appliedRevision(String host) {
        KeyValue stored = Etcd.get(kv, keys.appliedRevision(host));
        return stored == null ? 0 : Long.parseLong(stored.getValue().toString(StandardCharsets.UTF_8));
    }

    Map<String, MachineStatus> machineStatuses() {
        Map<String, MachineStatus> out = new HashMap<>();
        for (MachineStatus s : Etcd.parseAll(MachineStatus.parser(), Etcd.getPrefix(kv, keys.machineStatuses()))) {
            out.put(s.getName(), s);
        }
        return out;
    }

    MachineStatus machineStatus(String name) {
        KeyValue kv = Etcd.get(this.kv, keys.machineStatus(name));
        return kv == null ? null : Etcd.parse(MachineStatus.parser(), kv);
    }

    private static String name(KeyValue kv, String prefix) {
        return kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length());
    }
}

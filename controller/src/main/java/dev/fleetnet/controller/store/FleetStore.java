package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.Network;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Desired state in etcd: hosts, networks and machines, with numbers and addresses allocated
 * inside transactions so that concurrent writers, from any number of controllers, never
 * produce a duplicate name, number or address. Nothing is written when a request fails.
 */
public final class FleetStore {
    private static final int MAX_ATTEMPTS = 200;
    private final KV kv;
    private final Keys keys;
    private final Allocator allocator;
    private final RouteStore routes;
    private final StatusStore status;

    public FleetStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
        this.allocator = new Allocator(kv);
        this.routes = new RouteStore(client, keys);
        this.status = new StatusStore(kv, keys);
    }

    /** The result of a machine update: the machine as stored and the etcd revision that holds it. */
    public record Update(Machine machine, long revision) {}

    public RouteStore routes() {
        return routes;
    }

    public StatusStore status() {
        return status;
    }

    public Keys keys() {
        return keys;
    }

    // ---- networks ----

    /** Makes sure the {@code default} network exists (number 1 on a new fleet). */
    public Network ensureDefaultNetwork() {
        Network existing = network(Names.DEFAULT_NETWORK);
        if (existing != null) {
            return existing;
        }
        try {
            return createNetwork(Names.DEFAULT_NETWORK);
        } catch (FleetException e) {
            if (e.kind() == FleetException.Kind.ALREADY_EXISTS) {
                return network(Names.DEFAULT_NETWORK);
            }
            throw e;
        }
    }

    public Network createNetwork(String name) {
        Names.check("network name", name);
        String own = keys.network(name);
        long number = allocator.allocate(new Allocator.Claim("network '" + name + "'", keys.networkCounter(),
                keys::networkNumberIndex, own, name, n -> List.of(Op.put(bytes(own), Etcd.value(network(name, n)), PutOption.DEFAULT))));
        return network(name, number);
    }

    public Network network(String name) {
        KeyValue kv = Etcd.get(this.kv, keys.network(name));
        return kv == null ? null : Etcd.parse(Network.parser(), kv);
    }

    public List<Network> networks() {
        List<Network> all = new ArrayList<>(Etcd.parseAll(Network.parser(), Etcd.getPrefix(kv, keys.networks())));
        all.sort(Comparator.comparingLong(Network::getNumber));
        return all;
    }

    private static Network network(String name, long number) {
        return Network.newBuilder().setName(name).setNumber((int) number).setPrefix(AddressPlan.networkPrefix(number)).build();
    }

    // ---- hosts ----

    /** Registers a host on first join (assigning its number once) or refreshes its key and endpoint. */
    public Host joinHost(String name, String publicKey, String endpoint) {
        Names.check("host name", name);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue current = Etcd.get(kv, keys.host(name));
            if (current != null) {
                Host host = Etcd.parse(Host.parser(), current);
                if (host.getPublicKey().equals(publicKey) && host.getEndpoint().equals(endpoint)) {
                    return host;
                }
                Host updated = host.toBuilder().setPublicKey(publicKey).setEndpoint(endpoint).build();
                TxnResponse r = Etcd.await("update host " + name, kv.txn()
                        .If(new Cmp(bytes(keys.host(name)), Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
                        .Then(Op.put(bytes(keys.host(name)), Etcd.value(updated), PutOption.DEFAULT)).commit());
                if (r.isSucceeded()) {
                    return updated;
                }
                continue;
            }
            String own = keys.host(name);
            try {
                long number = allocator.allocate(new Allocator.Claim("host '" + name + "'", keys.hostCounter(),
                        keys::hostNumberIndex, own, name,
                        n -> List.of(Op.put(bytes(own), Etcd.value(host(name, n, publicKey, endpoint)), PutOption.DEFAULT))));
                return host(name, number, publicKey, endpoint);
            } catch (FleetException e) {
                if (e.kind() != FleetException.Kind.ALREADY_EXISTS) {
                    throw e;
                }
                // joined concurrently: loop and refresh it
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "host '" + name + "' kept changing while joining; try again");
    }

    private static Host host(String name, long number, String publicKey, String endpoint) {
        return Host.newBuilder().setName(name).setNumber((int) number).setPublicKey(publicKey).setEndpoint(endpoint)
                .setInfraAddress(AddressPlan.infraAddress(number)).build();
    }

    public Host host(String name) {
        KeyValue kv = Etcd.get(this.kv, keys.host(name));
        return kv == null ? null : withLiveState(Etcd.parse(Host.parser(), kv), status.sessions(), status.appliedRevisions());
    }

    /** The host, or NOT_FOUND naming the hosts that exist. */
    public Host requireHost(String name) {
        Host host = host(name);
        if (host == null) {
            throw hostNotFound(name);
        }
        return host;
    }

    private FleetException hostNotFound(String name) {
        return new FleetException(FleetException.Kind.NOT_FOUND, "host: '" + name
                + "' not found (expected: one of " + names(hosts().stream().map(Host::getName).toList()) + ")");
    }

    public List<Host> hosts() {
        Map<String, String> sessions = status.sessions();
        Map<String, Long> applied = status.appliedRevisions();
        List<Host> all = new ArrayList<>();
        for (Host h : Etcd.parseAll(Host.parser(), Etcd.getPrefix(kv, keys.hosts()))) {
            all.add(withLiveState(h, sessions, applied));
        }
        all.sort(Comparator.comparingLong(Host::getNumber));
        return all;
    }

    private static Host withLiveState(Host h, Map<String, String> sessions, Map<String, Long> applied) {
        return h.toBuilder().setConnected(sessions.containsKey(h.getName()))
                .setAppliedRevision(applied.getOrDefault(h.getName(), 0L)).build();
    }

    // ---- machines ----

    /** Creates a machine with a freshly allocated address; the caller has validated the request's shape. */
    public Machine createMachine(Machine request) {
        Network network = network(request.getNetwork());
        if (network == null) {
            throw new FleetException(FleetException.Kind.NOT_FOUND, "network: '" + request.getNetwork()
                    + "' not found (expected: one of " + names(networks().stream().map(Network::getName).toList()) + ")");
        }
        KeyValue hostKv = Etcd.get(kv, keys.host(request.getHost()));
        if (hostKv == null) {
            throw hostNotFound(request.getHost());
        }
        Host host = Etcd.parse(Host.parser(), hostKv);
        String own = keys.machine(request.getName());
        long number = allocator.allocate(new Allocator.Claim("machine '" + request.getName() + "'",
                keys.machineCounter(network.getNumber(), host.getNumber()),
                n -> keys.addressIndex(AddressPlan.machineAddress(network.getNumber(), host.getNumber(), n)), own,
                request.getName(), n -> List.of(Op.put(bytes(own), Etcd.value(machine(request, network, host, n)), PutOption.DEFAULT))));
        return withStatus(machine(request, network, host, number), null);
    }

    private static Machine machine(Machine request, Network network, Host host, long number) {
        return request.toBuilder().setNumber((int) number)
                .setAddress(AddressPlan.machineAddress(network.getNumber(), host.getNumber(), number)).build();
    }

    public Machine machine(String name) {
        KeyValue kv = Etcd.get(this.kv, keys.machine(name));
        if (kv == null) {
            throw new FleetException(FleetException.Kind.NOT_FOUND, "machine '" + name + "' not found");
        }
        return withStatus(Etcd.parse(Machine.parser(), kv), status.machineStatus(name));
    }

    public List<Machine> machines(String hostFilter, String networkFilter) {
        Map<String, MachineStatus> statuses = status.machineStatuses();
        List<Machine> all = new ArrayList<>();
        for (Machine m : Etcd.parseAll(Machine.parser(), Etcd.getPrefix(kv, keys.machines()))) {
            if ((hostFilter.isEmpty() || m.getHost().equals(hostFilter)) && (networkFilter.isEmpty() || m.getNetwork().equals(networkFilter))) {
                all.add(withStatus(m, statuses.get(m.getName())));
            }
        }
        all.sort(Comparator.comparing(Machine::getName));
        return all;
    }

    private static Machine withStatus(Machine m, MachineStatus status) {
        Machine.Builder b = m.toBuilder();
        if (status == null) {
            b.setState(m.getDesiredState() == MachineState.MACHINE_STATE_STOPPED
                    ? MachineState.MACHINE_STATE_STOPPED : MachineState.MACHINE_STATE_PENDING);
        } else {
            b.setState(status.getState()).setStateMessage(status.getMessage()).setNetns(status.getNetns()).setLink(status.getLink())
                    .addAllListeningPorts(status.getListeningPortsList());
        }
        return b.build();
    }

    /** Sets what the user wants (RUNNING or STOPPED). */
    public Update setDesiredState(String name, MachineState desired) {
        return update(name, m -> m.toBuilder().setDesiredState(desired).build());
    }

    /**
     * Replaces the exposed ports; refuses (FAILED_PRECONDITION, naming the routes) to remove a
     * port a route sends to, unless another machine of the route's app exposes it.
     */
    public Update setPorts(String name, java.util.Collection<Integer> ports) {
        return update(name, m -> m.toBuilder().clearPorts().addAllPorts(ports).build(), routes::portsChangeGuard);
    }

    /** Applies {@code change} unless it changes nothing; the revision is then the machine's last change. */
    private Update update(String name, java.util.function.UnaryOperator<Machine> change) {
        return update(name, change, (stored, updated) -> List.of());
    }

    /**
     * Applies {@code change} unless it changes nothing. {@code guard} may refuse the change, or name
     * further compares its answer relied on; they join the machine's own in the transaction.
     */
    private Update update(String name, java.util.function.UnaryOperator<Machine> change,
            java.util.function.BiFunction<Machine, Machine, List<Cmp>> guard) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue current = Etcd.get(kv, keys.machine(name));
            if (current == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "machine '" + name + "' not found");
            }
            Machine stored = Etcd.parse(Machine.parser(), current);
            Machine updated = change.apply(stored);
            if (updated.equals(stored)) {
                return new Update(machine(name), current.getModRevision());
            }
            List<Cmp> unchanged = new ArrayList<>(guard.apply(stored, updated));
            unchanged.add(new Cmp(bytes(keys.machine(name)), Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())));
            TxnResponse r = Etcd.await("update machine " + name, kv.txn()
                    .If(unchanged.toArray(Cmp[]::new))
                    .Then(Op.put(bytes(keys.machine(name)), Etcd.value(updated), PutOption.DEFAULT)).commit());
            if (r.isSucceeded()) {
                return new Update(machine(name), r.getHeader().getRevision());
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "machine '" + name + "' kept changing; try again");
    }

    /** Deletes a machine with its address index and status, in one transaction. */
    public void deleteMachine(String name) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue current = Etcd.get(kv, keys.machine(name));
            if (current == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "machine '" + name + "' not found");
            }
            Machine machine = Etcd.parse(Machine.parser(), current);
            List<Op> deletes = new ArrayList<>(List.of(Op.delete(bytes(keys.machine(name)), DeleteOption.DEFAULT),
                    Op.delete(bytes(keys.addressIndex(machine.getAddress())), DeleteOption.DEFAULT),
                    Op.delete(bytes(keys.machineStatus(name)), DeleteOption.DEFAULT),
                    Op.delete(bytes(keys.listening(name)), DeleteOption.DEFAULT),
                    Op.delete(bytes(keys.routesToIndex(name)), DeleteOption.DEFAULT)));
            deletes.addAll(routes.deletesOwnedBy(name)); // the routes it owns go with it
            TxnResponse r = Etcd.await("delete machine " + name, kv.txn()
                    .If(new Cmp(bytes(keys.machine(name)), Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
                    .Then(deletes.toArray(Op[]::new))
                    .commit());
            if (r.isSucceeded()) {
                return;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "machine '" + name + "' kept changing; try again");
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "(none yet)" : String.join(", ", names);
    }
}

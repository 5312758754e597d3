package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.core.Names;
import dev.fleetnet.core.Ports;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.IngressViews;
import dev.fleetnet.routing.StreamRoute;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explicit ingress routes in etcd, keyed by hostname + path prefix (HTTP), {@code tls/{hostname}}
 * (TLS passthrough) or {@code tcp/{public port}} (TCP, so the key is the port's uniqueness index). Every route names its
 * owner machine; another machine's hostname+path is refused, and a route is only written
 * while its owner exists and its target exposes its port (checked in the same transaction).
 */
public final class RouteStore {
    private static final int MAX_ATTEMPTS = 50;
    private static final java.util.regex.Pattern TCP_KEY = java.util.regex.Pattern.compile("tcp/[0-9]{1,5}");
    private final KV kv;
    private final Keys keys;

    public RouteStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
    }

    /**
     * Adds a route, or replaces one its owner already has; returns the route as stored. The
     * target must expose the route's port (for an app: one of its machines); the owner and the
     * machines that answer relied on are pinned in the write's transaction.
     */
    public Route add(Route request) {
        Route route = validate(request);
        String key = IngressViews.key(route);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue owner = Etcd.get(kv, keys.machine(route.getOwner()));
            if (owner == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "owner: machine '" + route.getOwner() + "' not found");
            }
            Map<String, KeyValue> targets = targets(route);
            KeyValue existing = Etcd.get(kv, keys.route(key));
            if (existing != null) {
                Route current = Etcd.parse(Route.parser(), existing);
                if (!current.getOwner().equals(route.getOwner())) {
                    String what = route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_TCP
                            ? "public port " + route.getPublicPort() + " is taken: route " : "route ";
                    throw new FleetException(FleetException.Kind.ALREADY_EXISTS, what + key + " is owned by machine '"
                            + current.getOwner() + "' (expected: delete it first, or change it as its owner)");
                }
            }
            List<Cmp> unchanged = new ArrayList<>(requireNameFree(route));
            unchanged.add(existing == null
                    ? new Cmp(bytes(keys.route(key)), Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(bytes(keys.route(key)), Cmp.Op.EQUAL, CmpTarget.modRevision(existing.getModRevision())));
            unchanged.add(new Cmp(bytes(keys.machine(route.getOwner())), Cmp.Op.EQUAL, CmpTarget.modRevision(owner.getModRevision())));
            List<Op> writes = new ArrayList<>(List.of(Op.put(bytes(keys.route(key)), Etcd.value(route), PutOption.DEFAULT)));
            targets.forEach((machine, target) -> {
                unchanged.add(new Cmp(bytes(keys.machine(machine)), Cmp.Op.EQUAL, CmpTarget.modRevision(target.getModRevision())));
                // a ports change of the target that read the routes before this write must read them again
                writes.add(Op.put(bytes(keys.routesToIndex(machine)), bytes(key), PutOption.DEFAULT));
            });
            TxnResponse r = Etcd.await("put route " + key, kv.txn()
                    .If(unchanged.toArray(Cmp[]::new)).Then(writes.toArray(Op[]::new)).commit());
            if (r.isSucceeded()) {
                return route;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "route " + key + " kept changing; try again");
    }

    /**
     * A TLS passthrough route takes its hostname away from TLS termination on 443, so a hostname
     * has either HTTP routes or a passthrough route, never both. Returns the compare that keeps an
     * HTTP route's answer true until it commits (the passthrough key stays absent); a passthrough
     * route's check of the HTTP routes is a read (etcd compares single keys, not a prefix).
     */
    private List<Cmp> requireNameFree(Route route) {
        String hostname = route.getHostname();
        if (route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH) {
            List<String> http = list("").stream().filter(r -> !IngressViews.isStream(r) && r.getHostname().equals(hostname))
                    .map(IngressViews::key).toList();
            if (!http.isEmpty()) {
                throw new FleetException(FleetException.Kind.FAILED_PRECONDITION, "hostname: " + hostname + " has http route(s) "
                        + String.join(", ", http) + " (expected: delete them first; a tls-passthrough route takes the name away"
                        + " from TLS termination on 443)");
            }
            return List.of();
        }
        if (route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_HTTP) {
            String passthrough = StreamRoute.key(StreamRoute.Protocol.TLS_PASSTHROUGH, hostname, 0);
            KeyValue taken = Etcd.get(kv, keys.route(passthrough));
            if (taken != null) {
                throw new FleetException(FleetException.Kind.FAILED_PRECONDITION, "hostname: " + hostname
                        + " has the tls-passthrough route " + passthrough + " owned by machine '"
                        + Etcd.parse(Route.parser(), taken).getOwner() + "' (expected: delete it first; TLS for this name is"
                        + " relayed to that machine, not terminated)");
            }
            return List.of(new Cmp(bytes(keys.route(passthrough)), Cmp.Op.EQUAL, CmpTarget.version(0)));
        }
        return List.of(); // tcp: the route key tcp/{port} is the public port's index
    }

    /** The machines, by name, whose exposed port the route relies on; refuses a port none of them exposes. */
    private Map<String, KeyValue> targets(Route route) {
        Map<String, KeyValue> candidates = new LinkedHashMap<>();
        if (route.hasMachine()) {
            KeyValue machine = Etcd.get(kv, keys.machine(route.getMachine()));
            if (machine == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "machine: '" + route.getMachine() + "' not found");
            }
            candidates.put(route.getMachine(), machine);
        } else {
            for (KeyValue machine : Etcd.getPrefix(kv, keys.machines()).getKvs()) {
                Machine m = Etcd.parse(Machine.parser(), machine);
                if (m.getApp().equals(route.getApp())) {
                    candidates.put(m.getName(), machine);
                }
            }
        }
        Map<String, KeyValue> relied = new LinkedHashMap<>();
        for (Machine m : RoutePorts.requireExposed(route, candidates.values().stream().map(v -> Etcd.parse(Machine.parser(), v)).toList())) {
            relied.put(m.getName(), candidates.get(m.getName()));
        }
        return relied;
    }

    /**
     * For a ports change of {@code stored} to {@code updated}: refuses (FAILED_PRECONDITION, naming
     * the routes) if a route to the machine, or to its app with no other machine exposing the port,
     * would lose its port; otherwise returns the compares that keep this answer true until the
     * change commits.
     */
    List<Cmp> portsChangeGuard(Machine stored, Machine updated) {
        if (updated.getPortsList().containsAll(stored.getPortsList())) {
            return List.of(); // nothing removed: no route can lose its port
        }
        String name = updated.getName();
        // Read before the routes: a route written after this read rewrites it, failing the change's transaction.
        KeyValue index = Etcd.get(kv, keys.routesToIndex(name));
        List<Cmp> unchanged = new ArrayList<>(List.of(index == null
                ? new Cmp(bytes(keys.routesToIndex(name)), Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(bytes(keys.routesToIndex(name)), Cmp.Op.EQUAL, CmpTarget.modRevision(index.getModRevision()))));
        List<Route> routes = list("").stream().filter(r -> r.hasMachine() ? r.getMachine().equals(name)
                : !updated.getApp().isEmpty() && r.getApp().equals(updated.getApp())).toList();
        Map<String, KeyValue> appMachines = new LinkedHashMap<>();
        if (routes.stream().anyMatch(Route::hasApp)) {
            for (KeyValue machine : Etcd.getPrefix(kv, keys.machines()).getKvs()) {
                Machine m = Etcd.parse(Machine.parser(), machine);
                if (m.getApp().equals(updated.getApp()) && !m.getName().equals(name)) {
                    appMachines.put(m.getName(), machine);
                }
            }
        }
        List<Machine> others = appMachines.values().stream().map(v -> Etcd.parse(Machine.parser(), v)).toList();
        for (Machine other : RoutePorts.requireStillServed(stored, updated, routes, others)) {
            // the app's routes now rely on this machine exposing their port
            unchanged.add(new Cmp(bytes(keys.machine(other.getName())), Cmp.Op.EQUAL,
                    CmpTarget.modRevision(appMachines.get(other.getName()).getModRevision())));
        }
        return unchanged;
    }

    /**
     * The route of {@code hostname} and {@code pathPrefix}; {@code hostname} may also be a stream
     * route's key ({@code tcp/7000}, {@code tls/secure.example.com}), and a hostname with no HTTP
     * route at "/" finds its tls-passthrough route.
     */
    public Route get(String hostname, String pathPrefix) {
        String key;
        if (TCP_KEY.matcher(hostname).matches()) {
            key = hostname;
        } else if (hostname.startsWith("tls/")) {
            key = StreamRoute.key(StreamRoute.Protocol.TLS_PASSTHROUGH, Hostnames.normalize(hostname.substring(4)), 0);
        } else {
            key = Hostnames.normalize(hostname) + (pathPrefix.isEmpty() ? "/" : pathPrefix);
        }
        KeyValue kv = Etcd.get(this.kv, keys.route(key));
        if (kv == null && (pathPrefix.isEmpty() || pathPrefix.equals("/")) && !key.startsWith("tcp/") && !key.startsWith("tls/")) {
            kv = Etcd.get(this.kv, keys.route(StreamRoute.key(StreamRoute.Protocol.TLS_PASSTHROUGH, Hostnames.normalize(hostname), 0)));
        }
        if (kv == null) {
            throw new FleetException(FleetException.Kind.NOT_FOUND, "route " + key + " not found");
        }
        return Etcd.parse(Route.parser(), kv);
    }

    /** The TCP route of {@code publicPort}, or null. */
    public Route tcpRoute(int publicPort) {
        KeyValue kv = Etcd.get(this.kv, keys.route(StreamRoute.key(StreamRoute.Protocol.TCP, "", publicPort)));
        return kv == null ? null : Etcd.parse(Route.parser(), kv);
    }

    public List<Route> list(String owner) {
        return Etcd.parseAll(Route.parser(), Etcd.getPrefix(kv, keys.routes())).stream()
                .filter(r -> owner.isEmpty() || r.getOwner().equals(owner))
                .sorted(Comparator.comparing(IngressViews::key)).toList();
    }

    public void delete(String hostname, String pathPrefix) {
        Route route = get(hostname, pathPrefix);
        Etcd.await("delete route", kv.delete(bytes(keys.route(IngressViews.key(route)))));
    }

    /** Deletes of every route {@code machine} owns, for the machine's own delete transaction. */
    List<Op> deletesOwnedBy(String machine) {
        return list(machine).stream()
                .map(r -> (Op) Op.delete(bytes(keys.route(IngressViews.key(r))), DeleteOption.DEFAULT)).toList();
    }

    static Route validate(Route request) {
        Route.Builder route = RouteProtocols.check(request);
        if (route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_HTTP) {
            route.setPathPrefix(IngressViews.pathPrefix(request));
        }
        if (route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_HTTP && !route.getPathPrefix().startsWith("/")) {
            throw new IllegalArgumentException("path prefix: '" + route.getPathPrefix() + "' (expected: starting with '/')");
        }
        switch (request.getTargetCase()) {
            case MACHINE -> Names.check("machine", request.getMachine());
            case APP -> Names.check("app", request.getApp());
            default -> throw new IllegalArgumentException("target: none (expected: a machine or an app)");
        }
        Ports.check("port", Integer.toUnsignedLong(request.getPort()));
        if (request.getOwner().isEmpty()) {
            if (request.getTargetCase() != Route.TargetCase.MACHINE) {
                throw new IllegalArgumentException("owner: empty (expected: the machine that owns a route to an app)");
            }
            route.setOwner(request.getMachine());
        }
        Names.check("owner", route.getOwner());
        return route.build();
    }

    /** For the who-owns answer: every machine, read once. */
    List<Machine> machines() {
        return Etcd.parseAll(Machine.parser(), Etcd.getPrefix(kv, keys.machines()));
    }
}

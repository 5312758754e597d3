package dev.fleetnet.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which machine serves a request: explicit routes by hostname and path prefix, then the
 * implicit forms under the fleet suffix ({@code {machine}-{port}}, {@code {port}__{machine}},
 * {@code {machine}}, {@code {app}}) and {@code /proxy/{machine}/{port}/...} on hostnames under
 * the suffix.
 *
 * <p>Immutable: a table is built whole from an {@link IngressState} by its one writer and
 * published by swapping a reference, so a reader sees one consistent state for a whole request
 * (never a route added before the machine it points to) and never takes a lock. The
 * {@code with*} methods return a new table.
 */
public final class IngressTable {
    private static final String PROXY_PATH = "/proxy/";
    private static final Comparator<RouteSpec> LONGEST_PREFIX_FIRST =
            Comparator.comparingInt((RouteSpec r) -> r.pathPrefix().length()).reversed();

    private final IngressNaming naming;
    private final IngressState state;
    private final Map<String, MachineEntry> machines;
    private final Map<String, Set<String>> appMembers;
    private final Map<String, List<RouteSpec>> routesByHostname;
    private final Map<String, StreamRoute> passthroughByHostname;
    private final Map<Integer, StreamRoute> tcpByPort;

    private IngressTable(IngressNaming naming, IngressState state) {
        this.naming = naming;
        this.state = state;
        this.machines = state.machines();
        Map<String, Set<String>> apps = new HashMap<>();
        for (MachineEntry machine : machines.values()) {
            if (!machine.app().isEmpty()) {
                apps.computeIfAbsent(machine.app(), a -> new HashSet<>()).add(machine.name());
            }
        }
        Map<String, Set<String>> frozenApps = new HashMap<>();
        apps.forEach((app, members) -> frozenApps.put(app, Set.copyOf(members)));
        this.appMembers = Map.copyOf(frozenApps);
        Map<String, List<RouteSpec>> byHostname = new HashMap<>();
        for (RouteSpec route : state.routes().values()) {
            byHostname.computeIfAbsent(route.hostname(), h -> new ArrayList<>()).add(route);
        }
        Map<String, List<RouteSpec>> frozenRoutes = new HashMap<>();
        byHostname.forEach((hostname, routes) -> {
            routes.sort(LONGEST_PREFIX_FIRST);
            frozenRoutes.put(hostname, List.copyOf(routes));
        });
        this.routesByHostname = Map.copyOf(frozenRoutes);
        Map<String, StreamRoute> passthrough = new HashMap<>();
        Map<Integer, StreamRoute> tcp = new HashMap<>();
        for (StreamRoute route : state.streams().values()) {
            if (route.protocol() == StreamRoute.Protocol.TLS_PASSTHROUGH) {
                passthrough.put(route.hostname(), route);
            } else {
                tcp.put(route.publicPort(), route);
            }
        }
        this.passthroughByHostname = Map.copyOf(passthrough);
        this.tcpByPort = Map.copyOf(tcp);
    }

    /** The table serving {@code state}. */
    public static IngressTable of(IngressNaming naming, IngressState state) {
        return new IngressTable(naming, state);
    }

    /** A table with no machine and no route. */
    public static IngressTable empty(IngressNaming naming) {
        return new IngressTable(naming, IngressState.EMPTY);
    }

    public IngressNaming naming() {
        return naming;
    }

    /** The state this table was built from. */
    public IngressState state() {
        return state;
    }

    /** This table with {@code machine} added or replaced. */
    public IngressTable withMachine(MachineEntry machine) {
        Map<String, MachineEntry> next = new HashMap<>(machines);
        next.put(machine.name(), machine);
        return new IngressTable(naming, new IngressState(next, state.routes(), state.streams()));
    }

    public IngressTable withoutMachine(String name) {
        Map<String, MachineEntry> next = new HashMap<>(machines);
        next.remove(name);
        return new IngressTable(naming, new IngressState(next, state.routes(), state.streams()));
    }

    /** This table with the route of this hostname and path prefix added or replaced. */
    public IngressTable withRoute(RouteSpec route) {
        Map<String, RouteSpec> next = new HashMap<>(state.routes());
        next.put(route.key(), route);
        return new IngressTable(naming, new IngressState(machines, next, state.streams()));
    }

    public IngressTable withoutRoute(String hostname, String pathPrefix) {
        String normalized = Hostnames.normalize(hostname);
        Map<String, RouteSpec> next = new HashMap<>(state.routes());
        next.values().removeIf(r -> r.hostname().equals(normalized) && r.pathPrefix().equals(pathPrefix));
        return new IngressTable(naming, new IngressState(machines, next, state.streams()));
    }

    /** This table with {@code route} added, or replacing the stream route of its key. */
    public IngressTable withStream(StreamRoute route) {
        Map<String, StreamRoute> next = new HashMap<>(state.streams());
        next.put(route.key(), route);
        return new IngressTable(naming, new IngressState(machines, state.routes(), next));
    }

    public IngressTable withoutStream(String key) {
        Map<String, StreamRoute> next = new HashMap<>(state.streams());
        next.remove(key);
        return new IngressTable(naming, new IngressState(machines, state.routes(), next));
    }

    /**
     * Where a TLS connection whose ClientHello names {@code serverName} is relayed without
     * termination: the passthrough route of the exact name, else of its one-label wildcard unless
     * an HTTP route has the exact name (exact before wildcard, whichever the protocol).
     * {@link StreamResolution.NoRoute} (also for a null name) leaves the connection to termination.
     */
    public StreamResolution resolvePassthrough(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return new StreamResolution.NoRoute();
        }
        String host = serverName.toLowerCase(java.util.Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        StreamRoute route = passthroughByHostname.get(host);
        int dot = host.indexOf('.');
        if (route == null && dot > 0 && !routesByHostname.containsKey(host)) { // an exact HTTP route beats a wildcard
            route = passthroughByHostname.get("*" + host.substring(dot));
        }
        return route == null ? new StreamResolution.NoRoute() : resolveStream(route);
    }

    /** Where a connection accepted on public port {@code publicPort} is relayed. */
    public StreamResolution resolveTcp(int publicPort) {
        StreamRoute route = tcpByPort.get(publicPort);
        return route == null ? new StreamResolution.NoRoute() : resolveStream(route);
    }

    /** The public ports the host named {@code host} must listen on for TCP routes. */
    public Set<Integer> tcpPorts(String host) {
        Set<Integer> ports = new java.util.TreeSet<>();
        tcpByPort.forEach((port, route) -> {
            if (route.listensOn(host)) {
                ports.add(port);
            }
        });
        return ports;
    }

    /** The TCP route of {@code publicPort}, or null. */
    public StreamRoute tcpRoute(int publicPort) {
        return tcpByPort.get(publicPort);
    }

    private StreamResolution resolveStream(StreamRoute route) {
        Resolution resolution = route.targetApp() ? toApp(route.target(), route.port(), "/", null)
                : toMachine(route.target(), route.port(), "/", null);
        return switch (resolution) {
            case Resolution.Forward f -> new StreamResolution.Forward(route, f.candidates());
            case Resolution.Refuse r -> new StreamResolution.Refuse(route, r.machine() == null ? r.error()
                    : r.error() + " (" + r.machine() + ")");
        };
    }

    public MachineEntry machine(String name) {
        return machines.get(name);
    }

    /** Every explicit route, for status and tests. */
    public List<RouteSpec> routes() {
        return routesByHostname.values().stream().flatMap(List::stream).toList();
    }

    /** What a request for (host, path) is addressed to, before any check of the target's state. */
    public sealed interface Match {
        record Explicit(RouteSpec route) implements Match {}

        record ToMachine(String machine, int port) implements Match {}

        record ToApp(String app, int port) implements Match {}

        record None(String hostname) implements Match {}
    }

    /** Which explicit route, or which implicit form, a concrete hostname and path fall under. */
    public Match match(String host, String path) {
        RouteSpec route = explicitRoute(host, path);
        if (route != null) {
            return new Match.Explicit(route);
        }
        return switch (naming.parse(host, machines::containsKey, appMembers::containsKey)) {
            case IngressNaming.Implicit.ToMachine m -> new Match.ToMachine(m.machine(), m.port());
            case IngressNaming.Implicit.ToApp a -> new Match.ToApp(a.app(), a.port());
            case IngressNaming.Implicit.UnknownMachine u -> new Match.ToMachine(u.machine(), -1);
            case IngressNaming.Implicit.None none -> new Match.None(host);
        };
    }

    /**
     * Explicit routes first; then {@code /proxy/{machine}/{port}/...}, but only on hosts under the
     * fleet suffix (on a customer's hostname it would serve another tenant's machine in the
     * customer's origin); then the implicit names.
     */
    public Resolution resolve(String hostHeader, String path) {
        String host = Hostnames.fromHostHeader(hostHeader);
        if (host == null) {
            return new Resolution.Refuse(400, "missing or malformed Host header", null, null);
        }
        if (path.startsWith(PROXY_PATH) && naming.covers(host) && explicitRoute(host, path) == null) {
            return resolveProxyPath(path);
        }
        return switch (match(host, path)) {
            case Match.Explicit e -> e.route().targetApp() ? toApp(e.route().target(), e.route().port(), path, e.route())
                    : toMachine(e.route().target(), e.route().port(), path, e.route());
            case Match.ToMachine m -> m.port() < 0 || !machines.containsKey(m.machine())
                    ? new Resolution.Refuse(404, "unknown machine", m.machine(), null) : toMachine(m.machine(), m.port(), path, null);
            case Match.ToApp a -> toApp(a.app(), a.port(), path, null);
            case Match.None n -> new Resolution.Refuse(404, "unknown hostname " + n.hostname(), null, null);
        };
    }

    /** The explicit route a concrete hostname and path fall under (exact hostname first, then its wildcard), or null. */
    public RouteSpec explicitRoute(String host, String path) {
        RouteSpec exact = firstMatch(routesByHostname.get(host), path);
        if (exact != null) {
            return exact;
        }
        int dot = host.indexOf('.');
        return dot < 0 ? null : firstMatch(routesByHostname.get("*" + host.substring(dot)), path);
    }

    private static RouteSpec firstMatch(List<RouteSpec> routes, String path) {
        if (routes == null) {
            return null;
        }
        for (RouteSpec route : routes) {
            if (route.matches(path)) {
                return route;
            }
        }
        return null;
    }

    private Resolution resolveProxyPath(String path) {
        String rest = path.substring(PROXY_PATH.length());
        int slash = rest.indexOf('/');
        String machine = slash < 0 ? rest : rest.substring(0, slash);
        String afterMachine = slash < 0 ? "" : rest.substring(slash + 1);
        int nextSlash = afterMachine.indexOf('/');
        String portText = nextSlash < 0 ? afterMachine : afterMachine.substring(0, nextSlash);
        int query = portText.indexOf('?');
        String tail = nextSlash < 0 ? "/" : afterMachine.substring(nextSlash);
        if (query >= 0) {
            tail = "/" + portText.substring(query);
            portText = portText.substring(0, query);
        }
        int port = IngressNaming.parsePort(portText);
        if (machine.isEmpty() || port < 0) {
            return new Resolution.Refuse(404, "malformed proxy path (expected: /proxy/{machine}/{port}/...)",
                    machine.isEmpty() ? null : machine, null);
        }
        return toMachine(machine, port, tail, null);
    }

    private Resolution toMachine(String name, int port, String path, RouteSpec route) {
        MachineEntry machine = machines.get(name);
        if (machine == null) {
            return new Resolution.Refuse(404, "unknown machine", name, port);
        }
        if (!machine.running()) {
            return new Resolution.Refuse(503, "machine not running", name, port);
        }
        if (!machine.exposes(port)) {
            return new Resolution.Refuse(403, "port not exposed", name, port);
        }
        return new Resolution.Forward(List.of(machine), port, path, route);
    }

    private Resolution toApp(String app, int port, String path, RouteSpec route) {
        Set<String> members = appMembers.getOrDefault(app, Set.of());
        if (members.isEmpty()) {
            return new Resolution.Refuse(404, "unknown app " + app, null, port);
        }
        List<MachineEntry> running = new ArrayList<>();
        for (String name : members) {
            MachineEntry m = machines.get(name);
            if (m != null && m.running()) {
                running.add(m);
            }
        }
        if (running.isEmpty()) {
            return new Resolution.Refuse(503, "no running machine in app " + app, null, port);
        }
        List<MachineEntry> exposing = running.stream().filter(m -> m.exposes(port)).toList();
        if (exposing.isEmpty()) {
            return new Resolution.Refuse(403, "port not exposed by app " + app, null, port);
        }
        List<MachineEntry> ready = exposing.stream().filter(m -> m.listensOn(port)).toList();
        if (ready.isEmpty()) {
            return new Resolution.Refuse(503, "no machine of app " + app + " listening on port " + port, null, port);
        }
        return new Resolution.Forward(ready, port, path, route);
    }
}

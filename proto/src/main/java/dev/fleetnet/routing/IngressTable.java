package dev.fleetnet.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which machine serves a request: explicit routes by hostname and path prefix, then the
 * implicit forms under the fleet suffix ({@code {machine}-{port}}, {@code {port}__{machine}},
 * {@code {machine}}, {@code {app}}) and {@code /proxy/{machine}/{port}/...} on any hostname.
 *
 * <p>Readers never lock; each change replaces one immutable entry, so adding or removing a
 * route or machine costs O(routes of that hostname), never a rebuild of the table. Writes
 * come from one thread (the agent's view applier).
 */
public final class IngressTable {
    private static final String PROXY_PATH = "/proxy/";
    private static final Comparator<RouteSpec> LONGEST_PREFIX_FIRST =
            Comparator.comparingInt((RouteSpec r) -> r.pathPrefix().length()).reversed();

    private final IngressNaming naming;
    private final Map<String, MachineEntry> machines = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> appMembers = new ConcurrentHashMap<>();
    private final Map<String, List<RouteSpec>> routesByHostname = new ConcurrentHashMap<>();

    public IngressTable(IngressNaming naming) {
        this.naming = naming;
    }

    public void putMachine(MachineEntry machine) {
        MachineEntry previous = machines.put(machine.name(), machine);
        if (previous != null && !previous.app().equals(machine.app())) {
            leaveApp(previous);
        }
        if (!machine.app().isEmpty()) {
            appMembers.compute(machine.app(), (app, members) -> {
                Set<String> next = members == null ? new HashSet<>() : new HashSet<>(members);
                next.add(machine.name());
                return Set.copyOf(next);
            });
        }
    }

    public void removeMachine(String name) {
        MachineEntry previous = machines.remove(name);
        if (previous != null) {
            leaveApp(previous);
        }
    }

    public MachineEntry machine(String name) {
        return machines.get(name);
    }

    /** Adds or replaces the route with this hostname and path prefix. */
    public void putRoute(RouteSpec route) {
        routesByHostname.compute(route.hostname(), (hostname, routes) -> {
            List<RouteSpec> next = new ArrayList<>(routes == null ? List.of() : routes);
            next.removeIf(r -> r.pathPrefix().equals(route.pathPrefix()));
            next.add(route);
            next.sort(LONGEST_PREFIX_FIRST);
            return List.copyOf(next);
        });
    }

    public void removeRoute(String hostname, String pathPrefix) {
        routesByHostname.computeIfPresent(Hostnames.normalize(hostname), (h, routes) -> {
            List<RouteSpec> next = routes.stream().filter(r -> !r.pathPrefix().equals(pathPrefix)).toList();
            return next.isEmpty() ? null : next;
        });
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

    private RouteSpec explicitRoute(String host, String path) {
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

    private void leaveApp(MachineEntry previous) {
        if (previous.app().isEmpty()) {
            return;
        }
        appMembers.computeIfPresent(previous.app(), (app, members) -> {
            Set<String> next = new HashSet<>(members);
            next.remove(previous.name());
            return next.isEmpty() ? null : Set.copyOf(next);
        });
    }
}

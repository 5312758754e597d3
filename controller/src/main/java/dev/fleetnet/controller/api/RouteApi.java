package dev.fleetnet.controller.api;

import dev.fleetnet.controller.control.RouteCountersBoard;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.RouteStore;
import dev.fleetnet.proto.v1.RouteStatsRequest;
import dev.fleetnet.proto.v1.RouteStatsResponse;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.DeleteRouteResponse;
import dev.fleetnet.proto.v1.GetRouteRequest;
import dev.fleetnet.proto.v1.ListRoutesRequest;
import dev.fleetnet.proto.v1.ListRoutesResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import dev.fleetnet.proto.v1.WhoOwnsResponse;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.IngressViews;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;
import dev.fleetnet.routing.StreamResolution;
import dev.fleetnet.routing.StreamRoute;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;

/**
 * {@code RouteService}: explicit routes, and "who owns this hostname" answered by the same
 * route table the ingress serves from.
 */
public final class RouteApi extends RouteServiceGrpc.RouteServiceImplBase {
    private final FleetStore store;
    private final RouteStore routes;
    private final IngressNaming naming;
    private final RouteCountersBoard counters;

    public RouteApi(FleetStore store, IngressNaming naming) {
        this(store, naming, new RouteCountersBoard());
    }

    /** {@code counters}: the hosts' latest route figures, which {@code RouteStats} answers from. */
    public RouteApi(FleetStore store, IngressNaming naming, RouteCountersBoard counters) {
        this.store = store;
        this.routes = store.routes();
        this.naming = naming;
        this.counters = counters;
    }

    /**
     * The live figures of the route serving (hostname, path) — a TLS passthrough route when one holds the
     * name — or of the TCP route of a public port, from every connected host that reported it.
     */
    @Override
    public void routeStats(RouteStatsRequest request, StreamObserver<RouteStatsResponse> out) {
        Calls.unary(out, () -> {
            IngressTable table = table();
            StreamRoute stream = null;
            if (request.getPublicPort() != 0) {
                stream = streamOf(table.resolveTcp(request.getPublicPort()));
                if (stream == null) {
                    throw new FleetException(FleetException.Kind.NOT_FOUND, "no TCP route on public port "
                            + Integer.toUnsignedString(request.getPublicPort()) + " (expected: a port of route list)");
                }
            } else if (request.getHostname().isEmpty()) {
                throw new IllegalArgumentException("hostname: '' (expected: a hostname, or a public port)");
            }
            String host = Hostnames.normalize(request.getHostname());
            if (stream == null) {
                stream = streamOf(table.resolvePassthrough(host));
            }
            if (stream != null) {
                // the key the ingress labels the route's traffic with (RouteCounters.route)
                return RouteStatsResponse.newBuilder().setRoute(routes.get(stream.key(), ""))
                        .addAllHosts(counters.forRoute(stream.key())).build();
            }
            String path = request.getPath().isEmpty() ? "/" : request.getPath();
            if (!(table.match(host, path) instanceof IngressTable.Match.Explicit e)) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "no route serves " + host + path
                        + " (expected: a hostname and path under an explicit route; see route list)");
            }
            Route route = routes.list("").stream().filter(r -> IngressViews.key(r).equals(e.route().key())).findFirst()
                    .orElseThrow(() -> new FleetException(FleetException.Kind.NOT_FOUND, "route " + e.route().key() + " just went away"));
            return RouteStatsResponse.newBuilder().setRoute(route).addAllHosts(counters.forRoute(e.route().key())).build();
        });
    }

    private static StreamRoute streamOf(StreamResolution resolution) {
        return switch (resolution) {
            case StreamResolution.Forward f -> f.route();
            case StreamResolution.Refuse r -> r.route();
            case StreamResolution.NoRoute n -> null;
        };
    }

    @Override
    public void addRoute(AddRouteRequest request, StreamObserver<Route> out) {
        Calls.unary(out, () -> routes.add(request.getRoute()));
    }

    @Override
    public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> out) {
        Calls.unary(out, () -> ListRoutesResponse.newBuilder().addAllRoutes(routes.list(request.getOwner())).build());
    }

    @Override
    public void getRoute(GetRouteRequest request, StreamObserver<Route> out) {
        Calls.unary(out, () -> routes.get(request.getHostname(), request.getPathPrefix()));
    }

    @Override
    public void deleteRoute(DeleteRouteRequest request, StreamObserver<DeleteRouteResponse> out) {
        Calls.unary(out, () -> {
            routes.delete(request.getHostname(), request.getPathPrefix());
            return DeleteRouteResponse.getDefaultInstance();
        });
    }

    /** Whether the machine's host last saw it listen on {@code port}. */
    private static boolean listening(IngressTable table, String machine, int port) {
        MachineEntry entry = table.machine(machine);
        return entry != null && entry.running() && entry.listensOn(port);
    }

    /** The same table code the ingress serves from, over the stored machines and routes, so answers are what a client would get. */
    private IngressTable table() {
        java.util.Map<String, MachineEntry> machines = new java.util.HashMap<>();
        for (Machine m : store.machines("", "")) {
            machines.put(m.getName(), new MachineEntry(m.getName(), m.getAddress(), m.getDesiredState() != MachineState.MACHINE_STATE_STOPPED,
                    new HashSet<>(m.getPortsList()), m.getApp(), new HashSet<>(m.getListeningPortsList())));
        }
        java.util.Map<String, dev.fleetnet.routing.RouteSpec> specs = new java.util.HashMap<>();
        java.util.Map<String, StreamRoute> streams = new java.util.HashMap<>();
        for (Route r : routes.list("")) {
            if (IngressViews.isStream(r)) {
                streams.put(IngressViews.key(r), IngressViews.stream(r));
            } else {
                specs.put(IngressViews.key(r), IngressViews.spec(r));
            }
        }
        return IngressTable.of(naming, new dev.fleetnet.routing.IngressState(machines, specs, streams));
    }

    private WhoOwnsResponse whoOwnsPublicPort(int publicPort) {
        if (publicPort < 1 || publicPort > 65535) {
            throw new IllegalArgumentException("public port: " + Integer.toUnsignedString(publicPort)
                    + " (expected: 1..65535, or a hostname)");
        }
        return streamAnswer(table(), table().resolveTcp(publicPort));
    }

    /** The answer for a stream route: its owner, and whether a machine it would relay to listens on its port. */
    private WhoOwnsResponse streamAnswer(IngressTable table, StreamResolution resolution) {
        StreamRoute stream = switch (resolution) {
            case StreamResolution.Forward f -> f.route();
            case StreamResolution.Refuse r -> r.route();
            case StreamResolution.NoRoute n -> null;
        };
        if (stream == null) {
            return WhoOwnsResponse.newBuilder().setKind("none").build();
        }
        Route route = routes.get(stream.key(), "");
        boolean ready = resolution instanceof StreamResolution.Forward f
                && f.candidates().stream().anyMatch(m -> m.listensOn(stream.port()));
        return WhoOwnsResponse.newBuilder().setKind("explicit").setOwner(route.getOwner()).setRoute(route)
                .setPort(route.getPort()).setPortListening(ready).build();
    }

    @Override
    public void whoOwns(WhoOwnsRequest request, StreamObserver<WhoOwnsResponse> out) {
        Calls.unary(out, () -> {
            if (request.getPublicPort() != 0 || request.getHostname().isEmpty()) {
                return whoOwnsPublicPort(request.getPublicPort());
            }
            String host = Hostnames.normalize(request.getHostname());
            String path = request.getPath().isEmpty() ? "/" : request.getPath();
            IngressTable table = table();
            WhoOwnsResponse.Builder answer = WhoOwnsResponse.newBuilder();
            StreamResolution passthrough = table.resolvePassthrough(host);
            if (!(passthrough instanceof StreamResolution.NoRoute)) { // TLS for this name goes to the machine, not to termination
                return streamAnswer(table, passthrough);
            }
            java.util.Map<String, Route> byKey = new java.util.HashMap<>();
            for (Route r : routes.list("")) {
                byKey.put(IngressViews.key(r), r);
            }
            switch (table.match(host, path)) {
                case IngressTable.Match.Explicit e -> {
                    Route route = byKey.get(e.route().key());
                    boolean ready = route.hasApp() ? table.resolve(host, path) instanceof Resolution.Forward
                            : listening(table, route.getMachine(), route.getPort());
                    answer.setKind("explicit").setOwner(route.getOwner()).setRoute(route).setPort(route.getPort())
                            .setPortListening(ready);
                }
                case IngressTable.Match.ToMachine m -> {
                    if (table.machine(m.machine()) == null) {
                        answer.setKind("none");
                    } else {
                        answer.setKind("implicit").setOwner(m.machine()).setPort(m.port())
                                .setPortListening(listening(table, m.machine(), m.port()))
                                .setRoute(Route.newBuilder().setHostname(host).setPathPrefix("/").setMachine(m.machine())
                                        .setPort(m.port()).setOwner(m.machine()));
                    }
                }
                case IngressTable.Match.ToApp a -> answer.setKind("implicit").setOwner("app:" + a.app()).setPort(a.port())
                        .setPortListening(table.resolve(host, path) instanceof Resolution.Forward)
                        .setRoute(Route.newBuilder().setHostname(host).setPathPrefix("/").setApp(a.app()).setPort(a.port()));
                case IngressTable.Match.None n -> answer.setKind("none");
            }
            return answer.build();
        });
    }
}

package dev.fleetnet.routing;

import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

/** Converts API routes and directory entries into the routing values ingress serves from. Pure. */
public final class IngressViews {
    private IngressViews() {}

    /**
     * A route's identity: normalised hostname plus path prefix ("/" when empty) for HTTP,
     * {@code tls/{hostname}} for TLS passthrough, {@code tcp/{public port}} for TCP.
     */
    public static String key(Route route) {
        return isStream(route) ? stream(route).key() : Hostnames.normalize(route.getHostname()) + pathPrefix(route);
    }

    public static String pathPrefix(Route route) {
        return route.getPathPrefix().isEmpty() ? "/" : route.getPathPrefix();
    }

    public static RouteSpec spec(Route route) {
        boolean app = route.getTargetCase() == Route.TargetCase.APP;
        return new RouteSpec(route.getHostname(), pathPrefix(route), app ? route.getApp() : route.getMachine(), app,
                route.getPort(), route.getOwner(), route.getRewriteHost(), route.getMaxBodyBytes(),
                route.getRedirectHttps(), route.getH2C());
    }

    /** Whether {@code route} is relayed as a stream (TLS passthrough or TCP) rather than served as HTTP. */
    public static boolean isStream(Route route) {
        return route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH
                || route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_TCP;
    }

    /** The stream route of a TLS passthrough or TCP {@code route}. */
    public static StreamRoute stream(Route route) {
        boolean app = route.getTargetCase() == Route.TargetCase.APP;
        StreamRoute.Protocol protocol = route.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_TCP ? StreamRoute.Protocol.TCP
                : StreamRoute.Protocol.TLS_PASSTHROUGH;
        return new StreamRoute(protocol, route.getHostname(), route.getPublicPort(), app ? route.getApp() : route.getMachine(),
                app, route.getPort(), route.getOwner(), route.getProxyProtocol(), route.getHostsList());
    }

    public static MachineEntry entry(FleetMachine m) {
        return new MachineEntry(m.getName(), m.getAddress(), m.getRunning(), new HashSet<>(m.getPortsList()), m.getApp(),
                new HashSet<>(m.getListeningPortsList()));
    }

    public static IngressState state(HostView view) {
        Map<String, MachineEntry> machines = new HashMap<>();
        for (FleetMachine m : view.getDirectoryList()) {
            machines.put(m.getName(), entry(m));
        }
        Map<String, RouteSpec> routes = new HashMap<>();
        Map<String, StreamRoute> streams = new HashMap<>();
        for (Route r : view.getRoutesList()) {
            if (isStream(r)) {
                StreamRoute stream = stream(r);
                streams.put(stream.key(), stream);
            } else {
                RouteSpec spec = spec(r);
                routes.put(spec.key(), spec);
            }
        }
        return new IngressState(machines, routes, streams);
    }
}

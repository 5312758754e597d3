package dev.fleetnet.routing;

import java.util.Map;

/**
 * The whole desired ingress state: every machine of the fleet by name, every explicit HTTP route
 * by key, every stream route (TLS passthrough, TCP) by key.
 */
public record IngressState(Map<String, MachineEntry> machines, Map<String, RouteSpec> routes, Map<String, StreamRoute> streams) {
    public static final IngressState EMPTY = new IngressState(Map.of(), Map.of(), Map.of());

    public IngressState {
        machines = Map.copyOf(machines);
        routes = Map.copyOf(routes);
        streams = Map.copyOf(streams);
    }

    /** Without stream routes. */
    public IngressState(Map<String, MachineEntry> machines, Map<String, RouteSpec> routes) {
        this(machines, routes, Map.of());
    }
}

package dev.fleetnet.routing;

import java.util.Map;

/** The whole desired ingress state: every machine of the fleet by name, every explicit route by key. */
public record IngressState(Map<String, MachineEntry> machines, Map<String, RouteSpec> routes) {
    public static final IngressState EMPTY = new IngressState(Map.of(), Map.of());

    public IngressState {
        machines = Map.copyOf(machines);
        routes = Map.copyOf(routes);
    }
}

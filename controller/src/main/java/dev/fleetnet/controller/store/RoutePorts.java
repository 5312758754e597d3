package dev.fleetnet.controller.store;

import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.routing.IngressViews;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Whether routes send to ports their machines expose: a route to a machine needs that machine
 * to expose the port, a route to an app needs one machine of the app to. Pure: the store reads
 * the machines and pins, in its transaction, the ones these answers relied on.
 */
final class RoutePorts {
    private RoutePorts() {}

    /** The candidates (the target machine, or the app's machines) that expose the route's port. */
    static List<Machine> exposing(Route route, Collection<Machine> candidates) {
        return candidates.stream().filter(m -> m.getPortsList().contains(route.getPort())).toList();
    }

    /** The candidates that expose the route's port, or FAILED_PRECONDITION naming the ports they do expose. */
    static List<Machine> requireExposed(Route route, Collection<Machine> candidates) {
        List<Machine> exposing = exposing(route, candidates);
        if (!exposing.isEmpty()) {
            return exposing;
        }
        TreeSet<Integer> offered = new TreeSet<>();
        candidates.forEach(m -> offered.addAll(m.getPortsList()));
        String who = route.hasApp() ? "a machine of app '" + route.getApp() + "'" : "machine '" + route.getMachine() + "'";
        String ports = offered.isEmpty() ? "none" : join(offered);
        if (route.hasApp() && candidates.isEmpty()) {
            ports += " (app '" + route.getApp() + "' has no machines)";
        }
        throw new FleetException(FleetException.Kind.FAILED_PRECONDITION,
                "port: " + Integer.toUnsignedString(route.getPort()) + " (expected: one of the ports " + who + " exposes: " + ports + ")");
    }

    /**
     * Checks that a ports change from {@code stored} to {@code updated} leaves every route that
     * had the machine's port with a machine exposing it. {@code routes} are the routes to the machine
     * or to its app; {@code appMachines} the app's other machines. Returns the other machines the app
     * routes now rely on, for the caller to pin; refuses with FAILED_PRECONDITION naming the routes
     * that would be left without. A route whose port the machine did not expose before is not this
     * change's concern.
     */
    static List<Machine> requireStillServed(Machine stored, Machine updated, List<Route> routes, List<Machine> appMachines) {
        Map<String, Machine> reliedOn = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        for (Route route : routes.stream().sorted(Comparator.comparing(IngressViews::key)).toList()) {
            boolean toThisMachine = route.hasMachine() && route.getMachine().equals(updated.getName());
            boolean toItsApp = route.hasApp() && !updated.getApp().isEmpty() && route.getApp().equals(updated.getApp());
            if (!toThisMachine && !toItsApp) {
                continue;
            }
            if (!stored.getPortsList().contains(route.getPort()) || updated.getPortsList().contains(route.getPort())) {
                continue;
            }
            List<Machine> others = toItsApp ? exposing(route, appMachines.stream()
                    .filter(m -> !m.getName().equals(updated.getName()) && m.getApp().equals(updated.getApp())).toList()) : List.of();
            if (others.isEmpty()) {
                broken.add(Integer.toUnsignedString(route.getPort()) + ", which route " + IngressViews.key(route) + " sends to"
                        + (toItsApp ? " app '" + route.getApp() + "' and no other machine of the app exposes" : ""));
            } else {
                others.forEach(m -> reliedOn.put(m.getName(), m));
            }
        }
        if (!broken.isEmpty()) {
            throw new FleetException(FleetException.Kind.FAILED_PRECONDITION, "ports: "
                    + (updated.getPortsCount() == 0 ? "none" : join(new TreeSet<>(updated.getPortsList())))
                    + " (expected: including " + String.join(", and ", broken) + "; change or delete "
                    + (broken.size() == 1 ? "the route" : "those routes") + " first)");
        }
        return List.copyOf(reliedOn.values());
    }

    private static String join(Collection<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}

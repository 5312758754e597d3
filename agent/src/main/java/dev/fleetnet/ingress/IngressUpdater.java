package dev.fleetnet.ingress;

import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.OpenConnections;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;
import java.util.Map;
import java.util.Objects;

/**
 * The one writer of the ingress route table: builds a whole new {@link IngressTable} for a
 * desired {@link IngressState}, swaps it in, and only then closes the open connections to
 * machines that stopped, moved or disappeared, and the relays and tunnels that went through a
 * route that is gone or now leads elsewhere, so no new request can pick what is being closed. Calling it twice with the same state does nothing.
 * Threading: one caller at a time (the agent's ingress thread).
 */
public final class IngressUpdater {
    private final IngressRoutes routes;
    private final OpenConnections open;

    public IngressUpdater(IngressRoutes routes, OpenConnections open) {
        this.routes = routes;
        this.open = open;
    }

    /** What one {@link #apply} changed. */
    public record Changes(int machines, int routes) {
        public boolean none() {
            return machines == 0 && routes == 0;
        }
    }

    public Changes apply(IngressState desired) {
        IngressState applied = routes.current().state();
        if (applied.equals(desired)) {
            return new Changes(0, 0);
        }
        routes.swap(IngressTable.of(routes.current().naming(), desired));
        int machines = 0;
        for (Map.Entry<String, MachineEntry> e : applied.machines().entrySet()) {
            MachineEntry previous = e.getValue();
            MachineEntry next = desired.machines().get(e.getKey());
            if (Objects.equals(previous, next)) {
                continue;
            }
            machines++;
            if (next == null || previous.running() && (!next.running() || !previous.address().equals(next.address()))) {
                open.closeAll(previous.address());
            }
        }
        for (String name : desired.machines().keySet()) {
            if (!applied.machines().containsKey(name)) {
                machines++;
            }
        }
        int changedRoutes = 0;
        for (Map.Entry<String, RouteSpec> e : desired.routes().entrySet()) {
            if (!e.getValue().equals(applied.routes().get(e.getKey()))) {
                changedRoutes++;
            }
        }
        for (Map.Entry<String, RouteSpec> e : applied.routes().entrySet()) {
            RouteSpec next = desired.routes().get(e.getKey());
            if (next == null) {
                changedRoutes++;
            }
            if (!e.getValue().sameDestination(next)) {
                open.closeRoute(RouteLabel.HTTP, e.getValue().key());
            }
        }
        for (Map.Entry<String, StreamRoute> e : desired.streams().entrySet()) { // tls/ and tcp/ routes count as routes
            if (!e.getValue().equals(applied.streams().get(e.getKey()))) {
                changedRoutes++;
            }
        }
        for (Map.Entry<String, StreamRoute> e : applied.streams().entrySet()) {
            StreamRoute next = desired.streams().get(e.getKey());
            if (next == null) {
                changedRoutes++;
            }
            if (!e.getValue().sameDestination(next)) {
                open.closeRoute(e.getValue().protocol().label(), e.getValue().key());
            }
        }
        return new Changes(machines, changedRoutes);
    }
}

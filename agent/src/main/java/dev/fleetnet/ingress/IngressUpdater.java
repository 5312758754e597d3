package dev.fleetnet.ingress;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one writer of the ingress route table: builds a whole new {@link IngressTable} for a
 * desired {@link IngressState}, swaps it in, and only then closes the open connections to
 * machines that stopped, moved or disappeared, so no new request can pick an address whose
 * connections are being closed. Calling it twice with the same state does nothing.
 * Threading: one caller at a time (the agent's ingress thread).
 */
public final class IngressUpdater {
    private final IngressRoutes routes;
    private final Consumer<String> closeConnectionsTo;

    public IngressUpdater(IngressRoutes routes, Consumer<String> closeConnectionsTo) {
        this.routes = routes;
        this.closeConnectionsTo = closeConnectionsTo;
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
                closeConnectionsTo.accept(previous.address());
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
        for (String key : applied.routes().keySet()) {
            if (!desired.routes().containsKey(key)) {
                changedRoutes++;
            }
        }
        for (Map.Entry<String, StreamRoute> e : desired.streams().entrySet()) { // tls/ and tcp/ routes count as routes
            if (!e.getValue().equals(applied.streams().get(e.getKey()))) {
                changedRoutes++;
            }
        }
        for (String key : applied.streams().keySet()) {
            if (!desired.streams().containsKey(key)) {
                changedRoutes++;
            }
        }
        return new Changes(machines, changedRoutes);
    }
}

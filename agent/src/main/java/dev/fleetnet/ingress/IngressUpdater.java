package dev.fleetnet.ingress;

import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;

import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Brings an {@link IngressTable} to a desired {@link IngressState} by applying only what
 * changed, one machine or route at a time; calling it twice with the same state does nothing.
 * A machine that stops, moves or disappears has its open upstream connections closed, so
 * nothing is forwarded to an address it used to have. Threading: one caller at a time.
 */
public final class IngressUpdater {
    private final IngressTable table;
    private final Consumer<String> closeConnectionsTo;
    private IngressState applied = IngressState.EMPTY;

    public IngressUpdater(IngressTable table, Consumer<String> closeConnectionsTo) {
        this.table = table;
        this.closeConnectionsTo = closeConnectionsTo;
    }

    /** What one {@link #apply} changed. */
    public record Changes(int machines, int routes) {
        public boolean none() {
            return machines == 0 && routes == 0;
        }
    }

    public Changes apply(IngressState desired) {
        int machines = 0;
        int routes = 0;
        for (Map.Entry<String, MachineEntry> e : applied.machines().entrySet()) {
            if (!desired.machines().containsKey(e.getKey())) {
                table.removeMachine(e.getKey());
                closeConnectionsTo.accept(e.getValue().address());
                machines++;
            }
        }
        for (MachineEntry next : desired.machines().values()) {
            MachineEntry previous = applied.machines().get(next.name());
            if (Objects.equals(previous, next)) {
                continue;
            }
            table.putMachine(next);
            machines++;
            if (previous != null && previous.running() && (!next.running() || !previous.address().equals(next.address()))) {
                closeConnectionsTo.accept(previous.address());
            }
        }
        for (Map.Entry<String, RouteSpec> e : applied.routes().entrySet()) {
            if (!desired.routes().containsKey(e.getKey())) {
                table.removeRoute(e.getValue().hostname(), e.getValue().pathPrefix());
                routes++;
            }
        }
        for (Map.Entry<String, RouteSpec> e : desired.routes().entrySet()) {
            if (!e.getValue().equals(applied.routes().get(e.getKey()))) {
                table.putRoute(e.getValue());
                routes++;
            }
        }
        applied = desired;
        return new Changes(machines, routes);
    }

    /**
     * Takes a machine of this host out of service at once, before any report to the
     * controller: new requests get 503 and its open connections are closed.
     */
    public void withdraw(String machine) {
        MachineEntry current = applied.machines().get(machine);
        if (current == null || !current.running()) {
            return;
        }
        MachineEntry stopped = new MachineEntry(current.name(), current.address(), false, current.ports(), current.app(), Set.of());
        table.putMachine(stopped);
        closeConnectionsTo.accept(current.address());
        Map<String, MachineEntry> machines = new java.util.HashMap<>(applied.machines());
        machines.put(machine, stopped);
        applied = new IngressState(machines, applied.routes());
    }
}

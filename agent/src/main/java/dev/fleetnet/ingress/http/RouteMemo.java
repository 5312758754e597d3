package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;

/**
 * A connection's last routing decision. A keep-alive client mostly sends the same Host and path
 * again, and a route table is immutable (a new one replaces it whole), so while the table is the
 * same instance the same Host and path get the same forward, and the request skips its lookups.
 * Only a forward is kept: every answer the ingress gives itself is decided again. A request with
 * another Host or path, or any change of the table (a route, a machine stopping), decides anew.
 *
 * <p>Threading: the connection's event loop; one per connection.
 */
final class RouteMemo {
    private IngressTable table;
    private String hostHeader;
    private String path;
    private Resolution.Forward forward;
    private MachineEntry labelled;
    private RouteLabel label;

    /** The forward decided for exactly this table, Host field and path, or null. */
    Resolution.Forward forward(IngressTable table, String hostHeader, String path) {
        return table == this.table && hostHeader != null && hostHeader.equals(this.hostHeader) && path.equals(this.path)
                ? forward : null;
    }

    /** Keeps {@code forward} as the decision for this table, Host field and path (a null Host field is not kept). */
    void keep(IngressTable table, String hostHeader, String path, Resolution.Forward forward) {
        this.table = hostHeader == null ? null : table;
        this.hostHeader = hostHeader;
        this.path = path;
        this.forward = forward;
        this.labelled = null;
        this.label = null;
    }

    /** The metrics label of {@code forward} to {@code target}, made once for the kept forward and target. */
    RouteLabel label(Resolution.Forward forward, MachineEntry target) {
        if (forward != this.forward) {
            return RouteLabels.forward(forward, target);
        }
        if (target != labelled) {
            label = RouteLabels.forward(forward, target);
            labelled = target;
        }
        return label;
    }
}

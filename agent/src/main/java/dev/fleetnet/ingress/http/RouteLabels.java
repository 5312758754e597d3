package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;

/**
 * The metrics label of an HTTP request, from the route table only (so label values stay
 * bounded): an explicit route's key and owner; {@code machine:{name}} for the implicit names of
 * a machine that exists; {@link RouteLabel#NONE} for requests no route took.
 */
final class RouteLabels {

    private RouteLabels() {}

    /** The label of a forwarded request going to {@code target}. */
    static RouteLabel forward(Resolution.Forward forward, MachineEntry target) {
        return forward.route() != null ? RouteLabel.of(forward.route()) : RouteLabel.machine(target.name());
    }

    /** The label of a request the ingress answered itself: its explicit route if it falls under one, else none. */
    static RouteLabel answered(IngressTable table, String hostHeader, String uri) {
        if (hostHeader == null || uri == null || !uri.startsWith("/")) {
            return RouteLabel.NONE;
        }
        String host = Hostnames.fromHostHeader(hostHeader);
        if (host == null) {
            return RouteLabel.NONE;
        }
        int query = uri.indexOf('?');
        try {
            return table.match(host, query < 0 ? uri : uri.substring(0, query)) instanceof IngressTable.Match.Explicit e
                    ? RouteLabel.of(e.route()) : RouteLabel.NONE;
        } catch (RuntimeException malformed) {
            return RouteLabel.NONE;
        }
    }
}

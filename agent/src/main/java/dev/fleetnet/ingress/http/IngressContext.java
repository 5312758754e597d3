package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.IngressTable;

/** What every client connection of one listener shares: config, routes, balancing state, upstream pools. */
record IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding,
        UpstreamPools pools, int listenPort, String scheme) {

    /** The route table as of now; read once per request, so one request sees one state. */
    IngressTable table() {
        return routes.current();
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.IngressTable;

/** What every client connection of one listener shares: config, routes, balancing state, upstream pools. */
record IngressContext(IngressConfig config, IngressTable table, OutstandingRequests outstanding,
        UpstreamPools pools, int listenPort, String scheme) {}

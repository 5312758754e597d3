package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressTable;

/**
 * What every client connection of one listener shares: config, routes, balancing state, upstream
 * pools, and the certificates and ACME challenges currently served.
 */
record IngressContext(IngressConfig config, IngressTable table, OutstandingRequests outstanding,
        UpstreamPools pools, int listenPort, String scheme, CertificateStore certificates) {

    /** A context with no certificates and no ACME challenges. */
    IngressContext(IngressConfig config, IngressTable table, OutstandingRequests outstanding, UpstreamPools pools,
            int listenPort, String scheme) {
        this(config, table, outstanding, pools, listenPort, scheme, CertificateStore.empty());
    }
}

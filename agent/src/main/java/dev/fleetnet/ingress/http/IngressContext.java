package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressTable;

/**
 * What every client connection of one listener shares: config, routes, balancing state, upstream
 * pools, and the certificates and ACME challenges currently served.
 */
public record IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding,
        UpstreamPools pools, int listenPort, String scheme, CertificateStore certificates) {

    /** A context with no certificates and no ACME challenges. */
    IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding, UpstreamPools pools,
            int listenPort, String scheme) {
        this(config, routes, outstanding, pools, listenPort, scheme, CertificateStore.empty());
    }

    /** The route table as of now; read once per request, so one request sees one state. */
    IngressTable table() {
        return routes.current();
    }
}

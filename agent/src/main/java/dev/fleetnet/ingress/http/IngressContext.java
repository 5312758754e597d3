package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressTable;

/**
 * What every client connection of one listener shares: config, routes, balancing state, upstream
 * pools, the certificates and ACME challenges currently served, who is told about every request, and
 * the hostname the ingress serves itself (the web console).
 */
public record IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding,
        UpstreamPools pools, int listenPort, String scheme, CertificateStore certificates, IngressObserver observer, LocalSite site) {

    /** With no hostname of the ingress's own. */
    public IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding, UpstreamPools pools,
            int listenPort, String scheme, CertificateStore certificates, IngressObserver observer) {
        this(config, routes, outstanding, pools, listenPort, scheme, certificates, observer, LocalSite.NONE);
    }

    /** A context whose traffic nobody observes. */
    IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding, UpstreamPools pools,
            int listenPort, String scheme, CertificateStore certificates) {
        this(config, routes, outstanding, pools, listenPort, scheme, certificates, IngressObserver.NONE);
    }

    /** A context with no certificates and no ACME challenges. */
    IngressContext(IngressConfig config, IngressRoutes routes, OutstandingRequests outstanding, UpstreamPools pools,
            int listenPort, String scheme) {
        this(config, routes, outstanding, pools, listenPort, scheme, CertificateStore.empty());
    }

    /** The same context reporting to {@code other} (HTTP/2 streams are reported by their own recorder, once). */
    IngressContext withObserver(IngressObserver other) {
        return new IngressContext(config, routes, outstanding, pools, listenPort, scheme, certificates, other, site);
    }

    /** The route table as of now; read once per request, so one request sees one state. */
    IngressTable table() {
        return routes.current();
    }
}

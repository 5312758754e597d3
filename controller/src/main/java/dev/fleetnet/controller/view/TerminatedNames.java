package dev.fleetnet.controller.view;

import dev.fleetnet.controller.certs.HostnameCoverage;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The names whose TLS every host's ingress terminates, and so the certificates (with their keys)
 * a host's view carries: the fleet suffix's names (implicit machine names, the web console,
 * {@code /proxy/} under {@code *.{suffix}}) and the hostnames of HTTP routes, exact or one-label
 * wildcard. A certificate for a name no such route holds, or held only by TLS passthrough routes
 * (whose TLS the machine terminates), stays in etcd and goes to no host. Immutable; pure.
 */
final class TerminatedNames {
    private final String suffix;
    /** Lower-case hostnames of HTTP routes, as routed (exact or {@code *.parent}). */
    private final Set<String> routed;

    private TerminatedNames(String suffix, Set<String> routed) {
        this.suffix = normalize(suffix);
        this.routed = Set.copyOf(routed);
    }

    static TerminatedNames of(String suffix, Collection<Route> routes) {
        Set<String> routed = new HashSet<>();
        for (Route r : routes) {
            boolean http = r.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_HTTP
                    || r.getProtocol() == RouteProtocol.ROUTE_PROTOCOL_UNSPECIFIED;
            if (http && !r.getHostname().isEmpty()) {
                routed.add(normalize(r.getHostname()));
            }
        }
        return new TerminatedNames(suffix, routed);
    }

    /**
     * Whether a handshake the ingress terminates can be served by a certificate for {@code hostname}
     * (exact, or {@code *.parent} covering one label).
     */
    boolean serves(String hostname) {
        String h = normalize(hostname);
        if (h.isEmpty()) {
            return false;
        }
        if (!suffix.isEmpty() && (h.equals(suffix) || h.endsWith("." + suffix))) {
            return true; // the fleet's own names, *.{suffix} among them
        }
        // the certificate's name covers a routed name (equal, or *.parent over one label), or a wildcard route covers it
        return routed.stream().anyMatch(r -> HostnameCoverage.covers(h, r) || HostnameCoverage.covers(r, h));
    }

    private static String normalize(String hostname) {
        String h = hostname.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}

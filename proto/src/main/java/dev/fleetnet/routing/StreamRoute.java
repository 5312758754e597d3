package dev.fleetnet.routing;

import java.util.List;

/**
 * A route the ingress relays as a byte stream instead of terminating: TLS passthrough (picked by
 * the ClientHello's server name, exact or one-level wildcard) or raw TCP (picked by the public port
 * the client connected to, listened on by {@code hosts}, every host when empty). The target is a
 * machine, or an app when {@code targetApp}; {@code proxyProtocol} sends a PROXY v2 header first.
 */
public record StreamRoute(Protocol protocol, String hostname, int publicPort, String target, boolean targetApp, int port,
        String owner, boolean proxyProtocol, List<String> hosts) {

    /** The stream protocols, by the names the CLI and metrics use. */
    public enum Protocol {
        TLS_PASSTHROUGH("tls-passthrough"),
        TCP("tcp");

        private final String label;

        Protocol(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public StreamRoute {
        hosts = List.copyOf(hosts);
        if (protocol == Protocol.TLS_PASSTHROUGH) {
            hostname = Hostnames.normalize(hostname);
            publicPort = 0;
        } else {
            hostname = "";
            if (publicPort < 1 || publicPort > 65535) {
                throw new IllegalArgumentException("public port: " + publicPort + " (expected: 1..65535)");
            }
        }
    }

    public static StreamRoute passthrough(String hostname, String target, boolean targetApp, int port, String owner,
            boolean proxyProtocol) {
        return new StreamRoute(Protocol.TLS_PASSTHROUGH, hostname, 0, target, targetApp, port, owner, proxyProtocol, List.of());
    }

    public static StreamRoute tcp(int publicPort, String target, boolean targetApp, int port, String owner,
            boolean proxyProtocol, List<String> hosts) {
        return new StreamRoute(Protocol.TCP, "", publicPort, target, targetApp, port, owner, proxyProtocol, hosts);
    }

    /** {@code tls/{hostname}} or {@code tcp/{port}}: the route's identity in etcd and in metrics. */
    public String key() {
        return key(protocol, hostname, publicPort);
    }

    /** True if connections under both reach the same place the same way (open relays of one may stay with the other). */
    public boolean sameDestination(StreamRoute other) {
        return other != null && target.equals(other.target) && targetApp == other.targetApp && port == other.port
                && proxyProtocol == other.proxyProtocol && hosts.equals(other.hosts);
    }

    public static String key(Protocol protocol, String hostname, int publicPort) {
        return protocol == Protocol.TLS_PASSTHROUGH ? "tls/" + hostname : "tcp/" + publicPort;
    }

    /** Whether the host named {@code host} listens for this route (TCP; every host when none is named). */
    public boolean listensOn(String host) {
        return hosts.isEmpty() || hosts.contains(host);
    }
}

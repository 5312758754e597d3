package dev.fleetnet.agent;

import dev.fleetnet.agent.dns.DnsConfig;
import dev.fleetnet.ingress.http.IngressConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import dev.fleetnet.identity.JoinTokens;
import java.security.cert.X509Certificate;
import java.util.List;

/** Everything an agent runs with, read from flags by {@link AgentMain} only; no ingress when {@code ingressListen} is null (no TLS ingress when {@code ingressTlsListen} is), no DNS when {@code dns} is, no SSH ingress when {@code sshListen} is. */
public record AgentConfig(String hostName, String controller, Identity identity, String endpoint, int listenPort,
        String meshInterface, String netnsPrefix, Path stateDir, Duration resyncInterval, Path wireguardSocketDir,
        InetSocketAddress ingressListen, InetSocketAddress ingressTlsListen, IngressConfig ingress, Duration portScanInterval, DnsConfig dns,
        ObservabilityConfig observability, InetSocketAddress sshListen) {

    public AgentConfig {
        observability = observability == null ? ObservabilityConfig.NONE : observability;
        if (meshInterface.length() > 15) {
            throw new IllegalArgumentException("mesh interface: '" + meshInterface + "' (expected: at most 15 characters)");
        }
    }

    /**
     * How the agent proves who it is and checks the controller: the host CA it was installed with,
     * and the join token for its first join (null once it has a certificate, or when none was given).
     */
    public record Identity(List<X509Certificate> trustedCa, JoinTokens.Token joinToken) {
        public Identity {
            trustedCa = List.copyOf(trustedCa);
        }
    }
}

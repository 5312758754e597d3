package dev.fleetnet.agent;

import dev.fleetnet.agent.dns.DnsConfig;
import dev.fleetnet.ingress.http.IngressConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** Everything an agent runs with, read from flags by {@link AgentMain} only; no ingress when {@code ingressListen} is null (no TLS ingress when {@code ingressTlsListen} is), no DNS when {@code dns} is, no SSH ingress when {@code sshListen} is. */
public record AgentConfig(String hostName, String controller, byte[] joinToken, String endpoint, int listenPort,
        String meshInterface, String netnsPrefix, Path stateDir, Duration resyncInterval, Path wireguardSocketDir,
        InetSocketAddress ingressListen, InetSocketAddress ingressTlsListen, IngressConfig ingress, Duration portScanInterval, DnsConfig dns,
        ObservabilityConfig observability, InetSocketAddress sshListen) {

    public AgentConfig {
        observability = observability == null ? ObservabilityConfig.NONE : observability;
        joinToken = joinToken.clone();
        if (meshInterface.length() > 15) {
            throw new IllegalArgumentException("mesh interface: '" + meshInterface + "' (expected: at most 15 characters)");
        }
    }
}

package dev.fleetnet.agent;

import dev.fleetnet.agent.dns.DnsConfig;
import dev.fleetnet.ingress.http.IngressConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** Everything an agent runs with, read from flags by {@link AgentMain} only; no ingress when {@code ingressListen} is null (no TLS ingress when {@code ingressTlsListen} is), no DNS when {@code dns} is. */
public record AgentConfig(String hostName, String controller, byte[] joinToken, String endpoint, int listenPort,
        String meshInterface, String netnsPrefix, Path stateDir, Duration resyncInterval, Path wireguardSocketDir,
        InetSocketAddress ingressListen, InetSocketAddress ingressTlsListen, IngressConfig ingress, Duration portScanInterval, DnsConfig dns,
        ObservabilityConfig observability) {

    /** An agent with no admin listener and no access log. */
    public AgentConfig(String hostName, String controller, byte[] joinToken, String endpoint, int listenPort,
            String meshInterface, String netnsPrefix, Path stateDir, Duration resyncInterval, Path wireguardSocketDir,
            InetSocketAddress ingressListen, InetSocketAddress ingressTlsListen, IngressConfig ingress, Duration portScanInterval,
            DnsConfig dns) {
        this(hostName, controller, joinToken, endpoint, listenPort, meshInterface, netnsPrefix, stateDir, resyncInterval,
                wireguardSocketDir, ingressListen, ingressTlsListen, ingress, portScanInterval, dns, ObservabilityConfig.NONE);
    }

    public AgentConfig {
        observability = observability == null ? ObservabilityConfig.NONE : observability;
        joinToken = joinToken.clone();
        if (meshInterface.length() > 15) {
            throw new IllegalArgumentException("mesh interface: '" + meshInterface + "' (expected: at most 15 characters)");
        }
    }
}

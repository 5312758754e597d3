package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.IngressNaming;
import java.time.Duration;
import java.util.List;

/**
 * Everything the HTTP ingress can be tuned by, with defaults a public edge can run on.
 * {@code upstreamPoolSizePerMachine} bounds open upstream connections per machine address and
 * port on each event loop (pools are per loop, so the hot path takes no lock): the total bound
 * is that times the number of loops.
 * Build with {@link #builder()}; values are checked once, here.
 */
public record IngressConfig(
        IngressNaming naming,
        List<TrustedProxies.Cidr> trustedProxies,
        int maxHeaderBytes,
        int maxInitialLineBytes,
        Duration headerReadTimeout,
        Duration idleTimeout,
        long maxBodyBytes,
        int maxConnections,
        Duration upstreamConnectTimeout,
        Duration upstreamResponseTimeout,
        int upstreamPoolSizePerMachine,
        String proxyName,
        int maxConnectionsPerClient,
        Duration requestTimeout,
        Duration upstreamAcquireTimeout,
        Duration webSocketIdleTimeout,
        Duration tlsHandshakeTimeout) {

    public IngressConfig {
        trustedProxies = List.copyOf(trustedProxies);
        positive("max header bytes", maxHeaderBytes);
        positive("max initial line bytes", maxInitialLineBytes);
        positive("max connections", maxConnections);
        positive("upstream pool size per machine", upstreamPoolSizePerMachine);
        positive("max connections per client", maxConnectionsPerClient);
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("max body bytes: " + maxBodyBytes + " (expected: >= 0, 0 = unlimited)");
        }
        for (Duration d : List.of(headerReadTimeout, idleTimeout, upstreamConnectTimeout, upstreamResponseTimeout, requestTimeout,
                upstreamAcquireTimeout, webSocketIdleTimeout, tlsHandshakeTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout: " + d + " (expected: > 0)");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void positive(String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: > 0)");
        }
    }

    /**
     * Builder with defaults: 16 KiB headers, 10 s header read, 60 s idle, 100 MiB bodies, 10k connections
     * (256 per client address), 5 min to receive a whole request body, 10 s to get an upstream connection
     * from a full pool, 10 min idle WebSocket tunnels, 10 s TLS handshakes.
     */
    public static final class Builder {
        private IngressNaming naming = new IngressNaming("fleet.internal", 8080);
        private List<TrustedProxies.Cidr> trustedProxies = List.of();
        private int maxHeaderBytes = 16 * 1024;
        private int maxInitialLineBytes = 8 * 1024;
        private Duration headerReadTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private long maxBodyBytes = 100L * 1024 * 1024;
        private int maxConnections = 10_000;
        private Duration upstreamConnectTimeout = Duration.ofSeconds(5);
        private Duration upstreamResponseTimeout = Duration.ofSeconds(60);
        private int upstreamPoolSizePerMachine = 64;
        private String proxyName = "fleetnet";
        private int maxConnectionsPerClient = 256;
        private Duration requestTimeout = Duration.ofMinutes(5);
        private Duration upstreamAcquireTimeout = Duration.ofSeconds(10);
        private Duration webSocketIdleTimeout = Duration.ofMinutes(10);
        private Duration tlsHandshakeTimeout = Duration.ofSeconds(10);

        public Builder naming(IngressNaming v) { naming = v; return this; }
        public Builder trustedProxies(List<TrustedProxies.Cidr> v) { trustedProxies = v; return this; }
        public Builder maxHeaderBytes(int v) { maxHeaderBytes = v; return this; }
        public Builder maxInitialLineBytes(int v) { maxInitialLineBytes = v; return this; }
        public Builder headerReadTimeout(Duration v) { headerReadTimeout = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder upstreamConnectTimeout(Duration v) { upstreamConnectTimeout = v; return this; }
        public Builder upstreamResponseTimeout(Duration v) { upstreamResponseTimeout = v; return this; }
        public Builder upstreamPoolSizePerMachine(int v) { upstreamPoolSizePerMachine = v; return this; }
        public Builder proxyName(String v) { proxyName = v; return this; }
        public Builder maxConnectionsPerClient(int v) { maxConnectionsPerClient = v; return this; }
        /** From a request's head to its last body byte (slow bodies), then 408. */
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        /** How long a request waits for a connection of a full upstream pool, then 503. */
        public Builder upstreamAcquireTimeout(Duration v) { upstreamAcquireTimeout = v; return this; }
        public Builder webSocketIdleTimeout(Duration v) { webSocketIdleTimeout = v; return this; }
        /** From a TLS connection's start to the ClientHello, and again for the rest of the handshake, then closed. */
        public Builder tlsHandshakeTimeout(Duration v) { tlsHandshakeTimeout = v; return this; }

        public IngressConfig build() {
            return new IngressConfig(naming, trustedProxies, maxHeaderBytes, maxInitialLineBytes, headerReadTimeout,
                    idleTimeout, maxBodyBytes, maxConnections, upstreamConnectTimeout, upstreamResponseTimeout,
                    upstreamPoolSizePerMachine, proxyName, maxConnectionsPerClient, requestTimeout, upstreamAcquireTimeout,
                    webSocketIdleTimeout, tlsHandshakeTimeout);
        }
    }
}

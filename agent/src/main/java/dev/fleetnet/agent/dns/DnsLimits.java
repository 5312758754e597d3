package dev.fleetnet.agent.dns;

import java.time.Duration;

/**
 * The server's fixed bounds, apart from {@link DnsConfig} (which the agent sets) so tests can
 * shorten the timeouts.
 *
 * @param upstreamTimeout how long one upstream gets to answer before the next one is tried
 * @param tcpIdleTimeout a TCP connection with no query for this long is closed (RFC 7766 6.2.3)
 * @param maxTcpQueryBytes the largest TCP query accepted; a longer frame closes the connection
 * @param maxTcpConnections open TCP connections at once; more are closed on accept
 * @param maxPendingPerConnection forwarded queries in flight per TCP connection before reading pauses
 */
record DnsLimits(Duration upstreamTimeout, Duration tcpIdleTimeout, int maxTcpQueryBytes, int maxTcpConnections,
        int maxPendingPerConnection) {
    /** 1.5 s per upstream, 10 s idle, 4 KiB queries, 1024 connections, 32 pending each. */
    static final DnsLimits DEFAULT = new DnsLimits(Duration.ofMillis(1500), Duration.ofSeconds(10), 4096, 1024, 32);

    DnsLimits {
        if (upstreamTimeout.isNegative() || upstreamTimeout.isZero() || tcpIdleTimeout.isNegative() || tcpIdleTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts: " + upstreamTimeout + ", " + tcpIdleTimeout + " (expected: > 0)");
        }
        if (maxTcpQueryBytes < Responses.HEADER_LENGTH || maxTcpQueryBytes > Responses.TCP_LIMIT) {
            throw new IllegalArgumentException("max TCP query bytes: " + maxTcpQueryBytes + " (expected: 12..65535)");
        }
        if (maxTcpConnections <= 0 || maxPendingPerConnection <= 0) {
            throw new IllegalArgumentException("max TCP connections: " + maxTcpConnections + ", max pending: "
                    + maxPendingPerConnection + " (expected: > 0)");
        }
    }
}

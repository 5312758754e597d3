package dev.fleetnet.agent.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where to listen, where to forward other zones (empty = REFUSED), and the TTL of answers
 * (also the SOA minimum, so the TTL of negative answers).
 */
public record DnsConfig(InetSocketAddress listen, List<InetSocketAddress> upstreams, Duration ttl) {
    /** The largest TTL DNS can carry (RFC 2181: 2^31 - 1 seconds). */
    public static final long MAX_TTL_SECONDS = Integer.MAX_VALUE;

    public DnsConfig {
        Objects.requireNonNull(listen, "listen");
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("listen: " + listen + " (expected: an IP address, e.g. [fdaa::3]:53)");
        }
        upstreams = List.copyOf(upstreams);
        for (InetSocketAddress upstream : upstreams) {
            if (upstream.isUnresolved() || upstream.getPort() == 0) {
                throw new IllegalArgumentException("upstream: " + upstream + " (expected: an IP address and port, e.g. [fd00::53]:53)");
            }
        }
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.getNano() != 0 || ttl.toSeconds() > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: whole seconds, 0.." + MAX_TTL_SECONDS + " s)");
        }
    }

    /** TTL in seconds, as records carry it. */
    public long ttlSeconds() {
        return ttl.toSeconds();
    }
}

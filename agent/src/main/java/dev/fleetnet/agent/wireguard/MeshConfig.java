package dev.fleetnet.agent.wireguard;

import dev.fleetnet.core.Endpoints;
import dev.fleetnet.core.Ipv6;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A WireGuard device's configuration as a value: private key and listen port (hex / number,
 * as UAPI speaks) and peers by hex public key. Endpoints and allowed IPs are kept in canonical
 * form, so a config read back from the device equals the one that was asked for.
 */
public record MeshConfig(String privateKeyHex, int listenPort, Map<String, Peer> peers) {
    public static final MeshConfig EMPTY = new MeshConfig("", 0, Map.of());

    public MeshConfig {
        peers = Collections.unmodifiableMap(new TreeMap<>(peers));
    }

    /** One peer: its endpoint ({@code [v6]:port}, may be empty) and its allowed IPs (CIDRs). */
    public record Peer(String endpoint, SortedSet<String> allowedIps) {
        public Peer {
            endpoint = canonicalEndpoint(endpoint);
            TreeSet<String> canonical = new TreeSet<>();
            allowedIps.forEach(cidr -> canonical.add(canonicalCidr(cidr)));
            allowedIps = Collections.unmodifiableSortedSet(canonical);
        }
    }

    /** {@code [2001:DB8:0::1]:51820} as {@code [2001:db8::1]:51820}; other forms are kept as they are. */
    static String canonicalEndpoint(String endpoint) {
        if (endpoint.startsWith("[")) {
            var parsed = Endpoints.parse("endpoint", endpoint);
            return Endpoints.format(parsed.getHostString(), parsed.getPort());
        }
        return endpoint;
    }

    /** An IPv6 CIDR with its address in RFC 5952 form; anything else is kept as it is. */
    static String canonicalCidr(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0 || !cidr.contains(":")) {
            return cidr;
        }
        return Ipv6.canonical(cidr.substring(0, slash)) + cidr.substring(slash);
    }
}

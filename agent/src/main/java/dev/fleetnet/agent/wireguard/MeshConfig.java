package dev.fleetnet.agent.wireguard;

import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A WireGuard device's configuration as a value: private key and listen port (hex / number,
 * as UAPI speaks) and peers by hex public key.
 */
public record MeshConfig(String privateKeyHex, int listenPort, Map<String, Peer> peers) {
    public static final MeshConfig EMPTY = new MeshConfig("", 0, Map.of());

    public MeshConfig {
        peers = Map.copyOf(new TreeMap<>(peers));
    }

    /** One peer: its endpoint ({@code [v6]:port}, may be empty) and its allowed IPs (CIDRs, canonical). */
    public record Peer(String endpoint, SortedSet<String> allowedIps) {
        public Peer {
            allowedIps = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(allowedIps));
        }
    }
}

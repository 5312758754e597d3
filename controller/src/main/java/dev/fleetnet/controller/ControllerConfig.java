package dev.fleetnet.controller;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import dev.fleetnet.routing.IngressNaming;

/**
 * Everything a controller runs with: where the API and the agent channel listen (the latter
 * optionally inside a named network namespace), etcd endpoints (empty: embedded), its data
 * directory, the join token, the etcd key prefix, and the ingress naming (for who-owns).
 */
public record ControllerConfig(InetSocketAddress apiListen, InetSocketAddress agentListen, String agentListenNetns,
        List<String> etcdEndpoints, Path dataDir, byte[] joinToken, String keyPrefix, IngressNaming naming) {
    public ControllerConfig {
        etcdEndpoints = List.copyOf(etcdEndpoints);
        joinToken = joinToken.clone();
        if (joinToken.length == 0) {
            throw new IllegalArgumentException("join token: empty (expected: --join-token or --join-token-file)");
        }
    }
}

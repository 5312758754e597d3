package dev.fleetnet.controller;

import dev.fleetnet.controller.acme.AcmeConfig;
import dev.fleetnet.controller.store.Keys;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import dev.fleetnet.routing.IngressNaming;

/**
 * Everything a controller runs with: where the API and the agent channel listen (the latter
 * optionally inside a named network namespace), the names agents dial the agent channel by
 * (its certificate's; empty: the listen address, or every local address when that is a
 * wildcard), etcd endpoints (empty: embedded), its data directory, the etcd key prefix, the
 * ingress naming (for who-owns), and ACME ordering for route hostnames (null: off).
 */
public record ControllerConfig(InetSocketAddress apiListen, InetSocketAddress agentListen, String agentListenNetns,
        List<String> agentTlsNames, List<String> etcdEndpoints, Path dataDir, String keyPrefix, IngressNaming naming,
        AcmeConfig acme) {
    /** Without ACME. */
    public ControllerConfig(InetSocketAddress apiListen, InetSocketAddress agentListen, String agentListenNetns,
            List<String> agentTlsNames, List<String> etcdEndpoints, Path dataDir, String keyPrefix, IngressNaming naming) {
        this(apiListen, agentListen, agentListenNetns, agentTlsNames, etcdEndpoints, dataDir, keyPrefix, naming, null);
    }

    public ControllerConfig {
        etcdEndpoints = List.copyOf(etcdEndpoints);
        agentTlsNames = List.copyOf(agentTlsNames);
        for (String name : agentTlsNames) {
            if (!dev.fleetnet.core.Ipv6.isValid(name) && !name.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
                throw new IllegalArgumentException("--agent-tls-name: '" + name
                        + "' (expected: an IP address or DNS name agents dial the agent channel by)");
            }
        }
        new Keys(keyPrefix); // validates
        for (String endpoint : etcdEndpoints) {
            checkEtcdEndpoint(endpoint);
        }
    }

    private static void checkEtcdEndpoint(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getPort() < 1) {
            throw new IllegalArgumentException("--etcd-endpoints: '" + endpoint + "' (expected: http://host:port, e.g. http://127.0.0.1:2379)");
        }
    }
}

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
 * ingress naming (for who-owns), ACME ordering for route hostnames (null: off), how the public
 * API is served (TLS, tokens, REST) and how the controller authenticates to etcd.
 */
public record ControllerConfig(InetSocketAddress apiListen, InetSocketAddress agentListen, String agentListenNetns,
        List<String> agentTlsNames, List<String> etcdEndpoints, Path dataDir, String keyPrefix, IngressNaming naming,
        AcmeConfig acme, ApiConfig api, EtcdSecurity etcdSecurity) {
    /** The public API's defaults ({@link ApiConfig#defaults()}), etcd without TLS or a password. */
    public ControllerConfig(InetSocketAddress apiListen, InetSocketAddress agentListen, String agentListenNetns,
            List<String> agentTlsNames, List<String> etcdEndpoints, Path dataDir, String keyPrefix, IngressNaming naming,
            AcmeConfig acme) {
        this(apiListen, agentListen, agentListenNetns, agentTlsNames, etcdEndpoints, dataDir, keyPrefix, naming, acme,
                ApiConfig.defaults(), EtcdSecurity.NONE);
    }

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
        api = (api == null ? ApiConfig.defaults() : api).resolve(dataDir);
        etcdSecurity = etcdSecurity == null ? EtcdSecurity.NONE : etcdSecurity;
        if (etcdSecurity != EtcdSecurity.NONE && etcdEndpoints.isEmpty()) {
            throw new IllegalArgumentException("--etcd-ca/--etcd-cert/--etcd-user without --etcd-endpoints"
                    + " (expected: the endpoints of the etcd they are for; the embedded etcd needs none)");
        }
    }

    public ControllerConfig withApi(ApiConfig api) {
        return new ControllerConfig(apiListen, agentListen, agentListenNetns, agentTlsNames, etcdEndpoints, dataDir, keyPrefix,
                naming, acme, api, etcdSecurity);
    }

    public ControllerConfig withEtcdSecurity(EtcdSecurity etcdSecurity) {
        return new ControllerConfig(apiListen, agentListen, agentListenNetns, agentTlsNames, etcdEndpoints, dataDir, keyPrefix,
                naming, acme, api, etcdSecurity);
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

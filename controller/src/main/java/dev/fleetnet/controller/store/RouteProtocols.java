package dev.fleetnet.controller.store;

import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.routing.Hostnames;
import java.util.Map;

/**
 * The per-protocol rules of a route, checked before anything is read: HTTP and TLS passthrough
 * are named by a hostname (passthrough without a path: it sees none), TCP by a public port that
 * no service of the agent itself uses. Pure.
 */
final class RouteProtocols {
    /** Ports every agent listens on itself (or keeps for the ingress), by what uses them. */
    static final Map<Integer, String> AGENT_PORTS = Map.of(
            22, "reserved for the SSH ingress",
            53, "the agent's DNS service",
            80, "the agent's HTTP ingress",
            443, "the agent's TLS ingress (use a tls-passthrough route to relay TLS by server name)",
            9180, "the agent's admin and metrics port",
            51820, "the WireGuard mesh port");

    private RouteProtocols() {}

    /** The name the CLI and errors use. */
    static String label(RouteProtocol protocol) {
        return switch (protocol) {
            case ROUTE_PROTOCOL_TLS_PASSTHROUGH -> "tls-passthrough";
            case ROUTE_PROTOCOL_TCP -> "tcp";
            default -> "http";
        };
    }

    /** {@code request} with its protocol's identity normalised, or IllegalArgumentException saying what is wrong. */
    static Route.Builder check(Route request) {
        Route.Builder route = request.toBuilder();
        RouteProtocol protocol = request.getProtocol();
        switch (protocol) {
            case ROUTE_PROTOCOL_UNSPECIFIED, ROUTE_PROTOCOL_HTTP -> {
                route.setProtocol(RouteProtocol.ROUTE_PROTOCOL_HTTP).setHostname(Hostnames.normalize(request.getHostname()));
                if (route.getHostname().equals("tls") || route.getHostname().equals("tcp")) {
                    throw new IllegalArgumentException("hostname: '" + request.getHostname()
                            + "' (expected: a name other than 'tls' and 'tcp', which prefix the keys of stream routes)");
                }
                noPublicPort(request, "http");
                onlyForStreams(request.getProxyProtocol(), "--proxy-protocol", "http");
            }
            case ROUTE_PROTOCOL_TLS_PASSTHROUGH -> {
                route.setHostname(Hostnames.normalize(request.getHostname()));
                if (!request.getPathPrefix().isEmpty() && !request.getPathPrefix().equals("/")) {
                    throw new IllegalArgumentException("path prefix: '" + request.getPathPrefix()
                            + "' (expected: none for a tls-passthrough route, which relays TLS without seeing paths)");
                }
                route.setPathPrefix("");
                noPublicPort(request, "tls-passthrough");
                onlyForHttp(request, "tls-passthrough");
            }
            case ROUTE_PROTOCOL_TCP -> {
                if (!request.getHostname().isEmpty()) {
                    throw new IllegalArgumentException("hostname: '" + request.getHostname()
                            + "' (expected: none for a tcp route, which is picked by its --public-port)");
                }
                if (!request.getPathPrefix().isEmpty() && !request.getPathPrefix().equals("/")) {
                    throw new IllegalArgumentException("path prefix: '" + request.getPathPrefix() + "' (expected: none for a tcp route)");
                }
                route.setPathPrefix("");
                checkPublicPort(request.getPublicPort());
                request.getHostsList().forEach(h -> Names.check("host", h));
                onlyForHttp(request, "tcp");
            }
            default -> throw new IllegalArgumentException("protocol: " + request.getProtocolValue()
                    + " (expected: http, tls-passthrough or tcp)");
        }
        return route;
    }

    static void checkPublicPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("public port: " + Integer.toUnsignedString(port) + " (expected: 1..65535)");
        }
        String user = AGENT_PORTS.get(port);
        if (user != null) {
            throw new IllegalArgumentException("public port: " + port + " is " + user
                    + " (expected: a port the agent does not use itself)");
        }
    }

    private static void noPublicPort(Route request, String protocol) {
        if (request.getPublicPort() != 0) {
            throw new IllegalArgumentException("public port: " + Integer.toUnsignedString(request.getPublicPort())
                    + " (expected: none for a " + protocol + " route; only tcp routes have one)");
        }
        if (request.getHostsCount() > 0) {
            throw new IllegalArgumentException("hosts: " + request.getHostsList() + " (expected: none for a " + protocol
                    + " route; only tcp routes listen on chosen hosts)");
        }
    }

    private static void onlyForStreams(boolean set, String option, String protocol) {
        if (set) {
            throw new IllegalArgumentException(option + ": not for a " + protocol + " route (expected: tcp or tls-passthrough)");
        }
    }

    private static void onlyForHttp(Route request, String protocol) {
        if (request.getH2C() || request.getRewriteHost() || request.getRedirectHttps() || request.getMaxBodyBytes() != 0) {
            throw new IllegalArgumentException("options --h2c, --rewrite-host, --redirect-https, --max-body-bytes: not for a "
                    + protocol + " route (expected: http, which the ingress terminates)");
        }
    }
}

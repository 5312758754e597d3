package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each protocol's identity and options, refused with the field, the value and what was expected. */
class RouteProtocolsTest {

    private static Route request(String protocol, String hostname, String path, int publicPort) {
        RouteProtocol p = switch (protocol) {
            case "http" -> RouteProtocol.ROUTE_PROTOCOL_HTTP;
            case "tls" -> RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH;
            default -> RouteProtocol.ROUTE_PROTOCOL_TCP;
        };
        return Route.newBuilder().setProtocol(p).setHostname(hostname).setPathPrefix(path).setPublicPort(publicPort)
                .setMachine("db").setPort(5432).build();
    }

    @ParameterizedTest(name = "{0} {1}{2} :{3} -> {4}")
    @CsvSource(delimiter = '|', value = {
        // protocol | hostname          | path  | public port | error
        "http       | ''                | /     | 0     | hostname: empty (expected: e.g. app.example.com or *.example.com)",
        "http       | shop.example.com  | /     | 7000  | public port: 7000 (expected: none for a http route; only tcp routes have one)",
        "http       | tls               | /x    | 0     | hostname: 'tls' (expected: a name other than 'tls' and 'tcp', which prefix the keys of stream routes)",
        "tls        | ''                | ''    | 0     | hostname: empty (expected: e.g. app.example.com or *.example.com)",
        "tls        | db.example.com    | /api  | 0     | path prefix: '/api' (expected: none for a tls-passthrough route, which relays TLS without seeing paths)",
        "tls        | db.example.com    | ''    | 7000  | public port: 7000 (expected: none for a tls-passthrough route; only tcp routes have one)",
        "tcp        | db.example.com    | ''    | 7000  | hostname: 'db.example.com' (expected: none for a tcp route, which is picked by its --public-port)",
        "tcp        | ''                | ''    | 0     | public port: 0 (expected: 1..65535)",
        "tcp        | ''                | ''    | 70000 | public port: 70000 (expected: 1..65535)",
        "tcp        | ''                | ''    | 80    | public port: 80 is the agent's HTTP ingress (expected: a port the agent does not use itself)",
        "tcp        | ''                | ''    | 443   | public port: 443 is the agent's TLS ingress (use a tls-passthrough route to relay TLS by server name) (expected: a port the agent does not use itself)",
        "tcp        | ''                | ''    | 53    | public port: 53 is the agent's DNS service (expected: a port the agent does not use itself)",
        "tcp        | ''                | ''    | 51820 | public port: 51820 is the WireGuard mesh port (expected: a port the agent does not use itself)",
        "tcp        | ''                | ''    | 9180  | public port: 9180 is the agent's admin and metrics port (expected: a port the agent does not use itself)",
        "tcp        | ''                | ''    | 22    | public port: 22 is reserved for the SSH ingress (expected: a port the agent does not use itself)",
    })
    void refuses(String protocol, String hostname, String path, int publicPort, String error) {
        assertThatThrownBy(() -> RouteStore.validate(request(protocol, hostname, path, publicPort))).hasMessage(error);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "tls | h2c            | options --h2c, --rewrite-host, --redirect-https, --max-body-bytes: not for a tls-passthrough route (expected: http, which the ingress terminates)",
        "tcp | redirect       | options --h2c, --rewrite-host, --redirect-https, --max-body-bytes: not for a tcp route (expected: http, which the ingress terminates)",
        "http| proxy-protocol | --proxy-protocol: not for a http route (expected: tcp or tls-passthrough)",
        "tls | hosts          | hosts: [host-1] (expected: none for a tls-passthrough route; only tcp routes listen on chosen hosts)",
    })
    void refusesOptionsOfOtherProtocols(String protocol, String option, String error) {
        Route base = protocol.equals("tcp") ? request("tcp", "", "", 7000)
                : request(protocol, "db.example.com", protocol.equals("http") ? "/" : "", 0);
        Route.Builder r = base.toBuilder();
        switch (option) {
            case "h2c" -> r.setH2C(true);
            case "redirect" -> r.setRedirectHttps(true);
            case "proxy-protocol" -> r.setProxyProtocol(true);
            default -> r.addHosts("host-1");
        }
        assertThatThrownBy(() -> RouteStore.validate(r.build())).hasMessage(error);
    }

    @ParameterizedTest(name = "{0} {1} ok")
    @CsvSource(delimiter = '|', value = {
        "tls | *.Tenants.Example.com | /  | 0    | *.tenants.example.com",
        "tcp | ''                    | '' | 7000 | ''",
        "tcp | ''                    | '' | 65535| ''",
    })
    void acceptsAndNormalises(String protocol, String hostname, String path, int publicPort, String normalized) {
        Route route = RouteStore.validate(request(protocol, hostname, path, publicPort));
        assertThat(route.getHostname()).isEqualTo(normalized);
        assertThat(route.getPathPrefix()).isEmpty();
        assertThat(route.getOwner()).isEqualTo("db");
    }
}

package dev.fleetnet.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamRoutesTest {
    private IngressTable table;

    @BeforeEach
    void fleet() {
        table = IngressTable.empty(new IngressNaming("fleet.test", 8080));
        table = table.withMachine(new MachineEntry("db", "fdaa::1", true, Set.of(5432, 8443), "", Set.of(5432, 8443)));
        table = table.withMachine(new MachineEntry("down", "fdaa::2", false, Set.of(8443), "", Set.of(8443)));
        table = table.withMachine(new MachineEntry("closed", "fdaa::3", true, Set.of(22), "", Set.of(22)));
        table = table.withMachine(new MachineEntry("kv-a", "fdaa::4", true, Set.of(6379), "kv", Set.of(6379)));
        table = table.withMachine(new MachineEntry("kv-b", "fdaa::5", true, Set.of(6379), "kv", Set.of()));
        table = table.withMachine(new MachineEntry("kv-c", "fdaa::6", false, Set.of(6379), "kv", Set.of(6379)));
        table = table.withStream(StreamRoute.passthrough("secure.example.com", "db", false, 8443, "db", false));
        table = table.withStream(StreamRoute.passthrough("*.tenants.example.com", "db", false, 8443, "db", true));
        table = table.withStream(StreamRoute.passthrough("stopped.example.com", "down", false, 8443, "down", false));
        table = table.withStream(StreamRoute.passthrough("closed.example.com", "closed", false, 8443, "closed", false));
        table = table.withRoute(new RouteSpec("www.tenants.example.com", "/", "db", false, 5432, "db", false, 0));
        table = table.withStream(StreamRoute.tcp(7000, "db", false, 5432, "db", false, List.of()));
        table = table.withStream(StreamRoute.tcp(7001, "kv", true, 6379, "kv-a", true, List.of("host-1", "host-2")));
        table = table.withStream(StreamRoute.tcp(7002, "down", false, 8443, "down", false, List.of("host-2")));
        table = table.withStream(StreamRoute.tcp(7003, "ghost", false, 1, "ghost", false, List.of()));
    }

    @ParameterizedTest(name = "SNI {0} -> {1}")
    @CsvSource({
        // server name,             outcome
        "secure.example.com,        forward db:8443",
        "SECURE.example.com.,       forward db:8443",
        "a.tenants.example.com,     forward db:8443",
        "a.b.tenants.example.com,   none",
        "www.tenants.example.com,   none",
        "tenants.example.com,       none",
        "other.example.com,         none",
        "'',                        none",
        "stopped.example.com,       refuse machine not running (down)",
        "closed.example.com,        refuse port not exposed (closed)",
    })
    void passthrough(String serverName, String outcome) {
        assertThat(describe(table.resolvePassthrough(serverName))).isEqualTo(outcome);
    }

    @ParameterizedTest(name = "port {0} -> {1}")
    @CsvSource({
        "7000, forward db:5432",
        "7001, forward kv-a:6379",
        "7002, refuse machine not running (down)",
        "7003, refuse unknown machine (ghost)",
        "7004, none",
    })
    void tcp(int port, String outcome) {
        assertThat(describe(table.resolveTcp(port))).isEqualTo(outcome);
    }

    @ParameterizedTest(name = "{0} listens on {1}")
    @CsvSource({
        "host-1, 7000|7001|7003",
        "host-2, 7000|7001|7002|7003",
        "host-3, 7000|7003",
    })
    void listenersPerHost(String host, String ports) {
        assertThat(table.tcpPorts(host)).containsExactly(
                java.util.Arrays.stream(ports.split("\\|")).map(Integer::valueOf).toArray(Integer[]::new));
    }

    @Test
    void appWithNoReadyMachineIsRefused() {
        IngressTable t = table.withMachine(new MachineEntry("kv-a", "fdaa::4", false, Set.of(6379), "kv", Set.of(6379)));
        assertThat(describe(t.resolveTcp(7001))).isEqualTo("refuse no machine of app kv listening on port 6379");
    }

    @Test
    void keysNameTheProtocol() {
        assertThat(table.state().streams()).containsKeys("tls/secure.example.com", "tls/*.tenants.example.com", "tcp/7000");
        assertThat(table.withoutStream("tcp/7000").resolveTcp(7000)).isInstanceOf(StreamResolution.NoRoute.class);
    }

    @Test
    void checksItsArguments() {
        assertThatThrownBy(() -> StreamRoute.tcp(70000, "db", false, 1, "db", false, List.of()))
                .hasMessage("public port: 70000 (expected: 1..65535)");
        assertThatThrownBy(() -> StreamRoute.passthrough("", "db", false, 1, "db", false)).hasMessageContaining("hostname");
    }

    @Test
    void viewsSplitHttpFromStreamRoutes() {
        HostView view = HostView.newBuilder()
                .addDirectory(FleetMachine.newBuilder().setName("db").setAddress("fdaa::1").setRunning(true).addPorts(5432))
                .addRoutes(Route.newBuilder().setHostname("shop.example.com").setMachine("db").setPort(5432).setOwner("db"))
                .addRoutes(Route.newBuilder().setHostname("Secure.example.com").setMachine("db").setPort(5432).setOwner("db")
                        .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH))
                .addRoutes(Route.newBuilder().setPublicPort(7000).setApp("kv").setPort(6379).setOwner("db")
                        .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setProxyProtocol(true).addHosts("host-1"))
                .build();
        IngressState state = IngressViews.state(view);
        assertThat(state.routes()).containsOnlyKeys("shop.example.com/");
        assertThat(state.streams()).containsOnlyKeys("tls/secure.example.com", "tcp/7000");
        assertThat(state.streams().get("tcp/7000"))
                .isEqualTo(StreamRoute.tcp(7000, "kv", true, 6379, "db", true, List.of("host-1")));
    }

    private static String describe(StreamResolution resolution) {
        return switch (resolution) {
            case StreamResolution.NoRoute n -> "none";
            case StreamResolution.Refuse r -> "refuse " + r.reason();
            case StreamResolution.Forward f -> "forward " + String.join("|", f.candidates().stream().map(MachineEntry::name)
                    .sorted().toList()) + ":" + f.route().port();
        };
    }
}

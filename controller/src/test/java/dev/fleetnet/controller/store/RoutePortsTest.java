package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Route;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoutePortsTest {
    private static Machine machine(String name, String app, Integer... ports) {
        return Machine.newBuilder().setName(name).setApp(app).addAllPorts(List.of(ports)).build();
    }

    private static Route toMachine(String hostname, String machine, int port) {
        return Route.newBuilder().setHostname(hostname).setPathPrefix("/").setMachine(machine).setPort(port).setOwner(machine).build();
    }

    private static Route toApp(String hostname, String app, int port) {
        return Route.newBuilder().setHostname(hostname).setPathPrefix("/").setApp(app).setPort(port).setOwner("web").build();
    }

    static Stream<Arguments> refusedRoutes() {
        return Stream.of(
                Arguments.of(toMachine("a.example.com", "web", 9000), List.of(machine("web", "", 8081, 8080)),
                        "port: 9000 (expected: one of the ports machine 'web' exposes: 8080, 8081)"),
                Arguments.of(toMachine("a.example.com", "web", 9000), List.of(machine("web", "")),
                        "port: 9000 (expected: one of the ports machine 'web' exposes: none)"),
                Arguments.of(toApp("a.example.com", "shop", 9000), List.of(machine("shop-1", "shop", 8080), machine("shop-2", "shop", 8081)),
                        "port: 9000 (expected: one of the ports a machine of app 'shop' exposes: 8080, 8081)"),
                Arguments.of(toApp("a.example.com", "shop", 9000), List.of(),
                        "port: 9000 (expected: one of the ports a machine of app 'shop' exposes: none (app 'shop' has no machines))"));
    }

    @ParameterizedTest
    @MethodSource("refusedRoutes")
    void aPortNoTargetExposesIsRefusedWithThePortsThatAre(Route route, List<Machine> candidates, String message) {
        assertThatThrownBy(() -> RoutePorts.requireExposed(route, candidates))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.FAILED_PRECONDITION))
                .hasMessage(message);
    }

    @Test
    void anAppRouteReliesOnTheMachinesThatExposeItsPort() {
        Machine one = machine("shop-1", "shop", 8080);
        Machine two = machine("shop-2", "shop", 8080, 8081);
        assertThat(RoutePorts.requireExposed(toApp("a.example.com", "shop", 8081), List.of(one, two))).containsExactly(two);
        assertThat(RoutePorts.requireExposed(toApp("a.example.com", "shop", 8080), List.of(one, two))).containsExactly(one, two);
    }

    @Test
    void aPortsChangeKeepsAppRoutesServedByAnotherMachineAndNamesThatMachine() {
        Machine before = machine("shop-1", "shop", 8080);
        Machine one = machine("shop-1", "shop");
        Machine two = machine("shop-2", "shop", 8080);
        assertThat(RoutePorts.requireStillServed(before, one, List.of(toApp("a.example.com", "shop", 8080)), List.of(two)))
                .containsExactly(two);
        assertThat(RoutePorts.requireStillServed(before, one,
                List.of(toApp("a.example.com", "other", 8080), toMachine("b.example.com", "web", 8080)), List.of()))
                .as("routes to other targets").isEmpty();
    }

    @Test
    void aRouteWhosePortTheMachineNeverExposedDoesNotBlockAPortsChange() {
        Machine web = machine("web", "", 8080, 8081);
        assertThat(RoutePorts.requireStillServed(web, machine("web", "", 8080), List.of(toMachine("b.example.com", "web", 9000)),
                List.of())).isEmpty();
    }

    @Test
    void aPortsChangeThatLeavesRoutesWithoutTheirPortNamesEveryRoute() {
        Machine before = machine("web", "shop", 443, 8080, 9090);
        Machine web = machine("web", "shop", 443);
        List<Route> routes = List.of(toMachine("b.example.com", "web", 8080), toApp("a.example.com", "shop", 9090));
        assertThatThrownBy(() -> RoutePorts.requireStillServed(before, web, routes, List.of(machine("shop-2", "shop", 8080))))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.FAILED_PRECONDITION))
                .hasMessage("ports: 443 (expected: including 9090, which route a.example.com/ sends to app 'shop' and no other machine"
                        + " of the app exposes, and 8080, which route b.example.com/ sends to; change or delete those routes first)");
    }
}

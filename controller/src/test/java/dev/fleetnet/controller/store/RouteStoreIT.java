package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import io.etcd.jetcd.Client;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Route ownership in etcd: conflicts refused, owners required, routes gone with their owner. */
class RouteStoreIT {
    private static EtcdProcess etcd;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        etcd.close();
    }

    private static FleetStore fleet(String name) {
        FleetStore store = new FleetStore(client, new Keys("/test-" + name + "/"));
        store.ensureDefaultNetwork();
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        for (String m : List.of("web", "api")) {
            store.createMachine(Machine.newBuilder().setName(m).setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                    .setDesiredState(MachineState.MACHINE_STATE_RUNNING).addPorts(8080).build());
        }
        return store;
    }

    private static Route route(String hostname, String path, String machine) {
        return Route.newBuilder().setHostname(hostname).setPathPrefix(path).setMachine(machine).setPort(8080).build();
    }

    @Test
    void anotherMachinesHostnameAndPathIsRefusedButOtherPathsAreFree() {
        FleetStore store = fleet("conflict");
        Route web = store.routes().add(route("Shop.Example.com", "", "web"));
        assertThat(web.getHostname()).isEqualTo("shop.example.com");
        assertThat(web.getPathPrefix()).isEqualTo("/");
        assertThat(web.getOwner()).as("owner defaults to the target machine").isEqualTo("web");
        assertThatThrownBy(() -> store.routes().add(route("shop.example.com", "/", "api")))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.ALREADY_EXISTS))
                .hasMessage("route shop.example.com/ is owned by machine 'web' (expected: delete it first, or change it as its owner)");
        store.routes().add(route("shop.example.com", "/api", "api"));
        store.routes().add(route("shop.example.com", "/", "web").toBuilder().setPort(9090).build());
        assertThat(store.routes().get("shop.example.com", "/").getPort()).isEqualTo(9090);
        assertThat(store.routes().list("")).hasSize(2);
    }

    @Test
    void badRoutesAreRefusedWithTheFieldAndNothingIsWritten() {
        FleetStore store = fleet("bad");
        assertThatThrownBy(() -> store.routes().add(route("a.*.example.com", "/", "web"))).hasMessageStartingWith("hostname: 'a.*.example.com'");
        assertThatThrownBy(() -> store.routes().add(route("x.example.com", "/", "ghost"))).hasMessage("owner: machine 'ghost' not found");
        assertThatThrownBy(() -> store.routes().add(route("x.example.com", "/", "web").toBuilder().setPort(70000).build()))
                .hasMessage("port: 70000 (expected: 1..65535)");
        assertThatThrownBy(() -> store.routes().add(Route.newBuilder().setHostname("x.example.com").setApp("api").setPort(80).build()))
                .hasMessage("owner: empty (expected: the machine that owns a route to an app)");
        assertThat(store.routes().list("")).isEmpty();
    }

    @Test
    void deletingTheOwnerDeletesItsRoutesAndPortsCanChange() {
        FleetStore store = fleet("owner");
        store.routes().add(route("web.example.com", "/", "web"));
        store.routes().add(route("api.example.com", "/", "api"));
        assertThat(store.setPorts("web", List.of(80, 443)).machine().getPortsList()).containsExactly(80, 443);
        store.deleteMachine("web");
        assertThat(store.routes().list("")).extracting(Route::getHostname).containsExactly("api.example.com");
    }
}

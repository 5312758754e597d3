package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.routing.IngressViews;
import io.etcd.jetcd.Client;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS passthrough and TCP routes in a real etcd: their keys, one route per public port, names shared with HTTP refused. */
class StreamRouteStoreIT {
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
        for (String m : List.of("db", "cache")) {
            store.createMachine(Machine.newBuilder().setName(m).setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                    .setDesiredState(MachineState.MACHINE_STATE_RUNNING).addPorts(5432).addPorts(8443).build());
        }
        return store;
    }

    private static Route tcp(int publicPort, String machine) {
        return Route.newBuilder().setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setPublicPort(publicPort).setMachine(machine)
                .setPort(5432).build();
    }

    private static Route passthrough(String hostname, String machine) {
        return Route.newBuilder().setProtocol(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH).setHostname(hostname)
                .setMachine(machine).setPort(8443).build();
    }

    private static Route http(String hostname, String machine) {
        return Route.newBuilder().setHostname(hostname).setMachine(machine).setPort(8443).build();
    }

    private static boolean stored(FleetStore store, String key) throws Exception {
        return client.getKVClient().get(Keys.bytes(store.keys().route(key))).get(10, TimeUnit.SECONDS).getCount() == 1;
    }

    @Test
    void tcpRoutesAreKeyedByPublicPortAndOnePortHasOneRoute() throws Exception {
        FleetStore store = fleet("tcp");
        Route added = store.routes().add(tcp(7000, "db").toBuilder().addHosts("h1").setProxyProtocol(true).build());
        assertThat(stored(store, "tcp/7000")).isTrue();
        assertThat(IngressViews.key(added)).isEqualTo("tcp/7000");
        assertThatThrownBy(() -> store.routes().add(tcp(7000, "cache")))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.ALREADY_EXISTS))
                .hasMessage("public port 7000 is taken: route tcp/7000 is owned by machine 'db' (expected: delete it first, or"
                        + " change it as its owner)");
        store.routes().add(tcp(7000, "db").toBuilder().setPort(8443).build()); // its owner may change it
        assertThat(store.routes().get("tcp/7000", "").getPort()).isEqualTo(8443);
        assertThat(store.routes().tcpRoute(7000).getOwner()).isEqualTo("db");
        store.routes().add(tcp(7001, "cache"));
        assertThat(store.routes().list("")).extracting(IngressViews::key).containsExactly("tcp/7000", "tcp/7001");
        store.routes().delete("tcp/7000", "");
        assertThat(store.routes().tcpRoute(7000)).isNull();
        store.deleteMachine("cache");
        assertThat(store.routes().list("")).isEmpty();
    }

    @Test
    void aHostnameIsEitherPassthroughOrHttpNeverBoth() throws Exception {
        FleetStore store = fleet("names");
        store.routes().add(passthrough("Secure.example.com", "db"));
        assertThat(stored(store, "tls/secure.example.com")).isTrue();
        assertThatThrownBy(() -> store.routes().add(http("secure.example.com", "cache")))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.FAILED_PRECONDITION))
                .hasMessage("hostname: secure.example.com has the tls-passthrough route tls/secure.example.com owned by machine"
                        + " 'db' (expected: delete it first; TLS for this name is relayed to that machine, not terminated)");

        store.routes().add(http("shop.example.com", "cache"));
        store.routes().add(http("shop.example.com", "cache").toBuilder().setPathPrefix("/api").build());
        assertThatThrownBy(() -> store.routes().add(passthrough("shop.example.com", "db")))
                .hasMessage("hostname: shop.example.com has http route(s) shop.example.com/, shop.example.com/api (expected:"
                        + " delete them first; a tls-passthrough route takes the name away from TLS termination on 443)");

        assertThat(store.routes().get("secure.example.com", "/").getProtocol())
                .as("a hostname without an http route finds its passthrough route").isEqualTo(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH);
        store.routes().delete("secure.example.com", "/");
        store.routes().add(http("secure.example.com", "cache")); // the name is free again
        assertThat(store.routes().list("")).extracting(IngressViews::key)
                .containsExactly("secure.example.com/", "shop.example.com/", "shop.example.com/api");
    }

    @Test
    void agentPortsAreRefusedBeforeAnythingIsRead() {
        FleetStore store = fleet("reserved");
        assertThatThrownBy(() -> store.routes().add(tcp(443, "db"))).hasMessageStartingWith("public port: 443 is the agent's TLS ingress");
        assertThat(store.routes().list("")).isEmpty();
    }
}

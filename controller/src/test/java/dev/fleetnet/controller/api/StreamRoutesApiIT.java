package dev.fleetnet.controller.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.GetRouteRequest;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import dev.fleetnet.proto.v1.WhoOwnsResponse;
import dev.fleetnet.routing.IngressNaming;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The route API for TCP and TLS passthrough routes over a real etcd: who-owns by public port and by passthrough name. */
class StreamRoutesApiIT {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static EtcdProcess etcd;
    private static Client client;
    private static Server server;
    private static ManagedChannel channel;
    private static MachineServiceGrpc.MachineServiceBlockingStub machines;
    private static RouteServiceGrpc.RouteServiceBlockingStub routes;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        FleetStore store = new FleetStore(client, new Keys("/streams-api-it/"));
        store.ensureDefaultNetwork();
        store.joinHost("h1", KEY, "[fd01::1]:51820");
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new MachineApi(store))
                .addService(new RouteApi(store, new IngressNaming("fleet.test", 8080))).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        machines = MachineServiceGrpc.newBlockingStub(channel);
        routes = RouteServiceGrpc.newBlockingStub(channel);
        machines.createMachine(CreateMachineRequest.newBuilder().setName("db").setHost("h1").addPorts(5432).addPorts(8443).build());
        routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP)
                .setPublicPort(7000).setMachine("db").setPort(5432)).build());
        routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder()
                .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH).setHostname("*.db.example.com").setMachine("db")
                .setPort(8443)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow();
        client.close();
        etcd.close();
    }

    @Test
    void whoOwnsAPublicPortFollowsTheOwnersLifecycle() {
        WhoOwnsResponse owner = routes.whoOwns(WhoOwnsRequest.newBuilder().setPublicPort(7000).build());
        assertThat(owner.getKind()).isEqualTo("explicit");
        assertThat(owner.getOwner()).isEqualTo("db");
        assertThat(owner.getPort()).isEqualTo(5432);
        assertThat(owner.getRoute().getPublicPort()).isEqualTo(7000);
        assertThat(owner.getPortListening()).as("no host reported db listening").isFalse();
        assertThat(routes.whoOwns(WhoOwnsRequest.newBuilder().setPublicPort(7001).build()).getKind()).isEqualTo("none");

        machines.stopMachine(StopMachineRequest.newBuilder().setName("db").build());
        assertThat(routes.whoOwns(WhoOwnsRequest.newBuilder().setPublicPort(7000).build()).getOwner())
                .as("a stopped owner still owns its route").isEqualTo("db");
        machines.startMachine(StartMachineRequest.newBuilder().setName("db").build());

        assertThatThrownBy(() -> routes.whoOwns(WhoOwnsRequest.newBuilder().setPublicPort(70000).build()))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("public port: 70000 (expected: 1..65535, or a hostname)");
    }

    @Test
    void whoOwnsAPassthroughNameAnswersWithThePassthroughRoute() {
        WhoOwnsResponse owner = routes.whoOwns(WhoOwnsRequest.newBuilder().setHostname("eu.db.example.com").build());
        assertThat(owner.getKind()).isEqualTo("explicit");
        assertThat(owner.getRoute().getProtocol()).isEqualTo(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH);
        assertThat(owner.getRoute().getHostname()).isEqualTo("*.db.example.com");
        assertThat(routes.getRoute(GetRouteRequest.newBuilder().setHostname("tls/*.db.example.com").build()).getPort()).isEqualTo(8443);
    }

    @Test
    void aTcpRouteIsDeletedByItsKey() {
        routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP)
                .setPublicPort(7100).setMachine("db").setPort(5432)).build());
        routes.deleteRoute(DeleteRouteRequest.newBuilder().setHostname("tcp/7100").build());
        assertThat(routes.whoOwns(WhoOwnsRequest.newBuilder().setPublicPort(7100).build()).getKind()).isEqualTo("none");
    }
}

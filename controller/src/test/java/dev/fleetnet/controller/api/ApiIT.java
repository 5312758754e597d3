package dev.fleetnet.controller.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostApplied;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.ListNetworksRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.SetMachinePortsRequest;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** HostService, NetworkService, MachineService and RouteService in process, against a real etcd. */
class ApiIT {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static EtcdProcess etcd;
    private static Client client;
    private static FleetStore store;
    private static Server server;
    private static ManagedChannel channel;
    private static MachineServiceGrpc.MachineServiceBlockingStub machines;
    private static HostServiceGrpc.HostServiceBlockingStub hosts;
    private static NetworkServiceGrpc.NetworkServiceBlockingStub networks;
    private static RouteServiceGrpc.RouteServiceBlockingStub routes;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        store = new FleetStore(client, new Keys("/api-it/"));
        store.ensureDefaultNetwork();
        for (String h : List.of("h1", "h2", "h3")) {
            store.joinHost(h, KEY, "[fd01::" + h.substring(1) + "]:51820");
        }
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new HostApi(store)).addService(new NetworkApi(store)).addService(new MachineApi(store))
                .addService(new RouteApi(store, new IngressNaming("fleet.test", 8080))).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        machines = MachineServiceGrpc.newBlockingStub(channel);
        hosts = HostServiceGrpc.newBlockingStub(channel);
        networks = NetworkServiceGrpc.newBlockingStub(channel);
        routes = RouteServiceGrpc.newBlockingStub(channel);
        machines.createMachine(CreateMachineRequest.newBuilder().setName("web-1").setHost("h1").build());
        machines.createMachine(CreateMachineRequest.newBuilder().setName("cart-1").setHost("h1").setApp("cart").addPorts(8081).addPorts(8080).build());
        routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("cart.example.com").setMachine("cart-1")
                .setPort(8080)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow();
        client.close();
        etcd.close();
    }

    @Test
    void aNewMachineHasEveryFieldFilled() {
        Machine m = machines.createMachine(CreateMachineRequest.newBuilder().setName("full").setHost("h2").setNetwork("default")
                .setBackend(Backend.BACKEND_TAP).addPorts(443).addPorts(80).setApp("shop").build());
        assertThat(m.getNetwork()).isEqualTo("default");
        assertThat(m.getHost()).isEqualTo("h2");
        assertThat(m.getBackend()).isEqualTo(Backend.BACKEND_TAP);
        assertThat(m.getPortsList()).containsExactly(80, 443);
        assertThat(m.getNumber()).isEqualTo(1);
        assertThat(m.getAddress()).isEqualTo(AddressPlan.machineAddress(1, 2, 1));
        assertThat(m.getDesiredState()).isEqualTo(MachineState.MACHINE_STATE_RUNNING);
        assertThat(m.getState()).as("not reported yet").isEqualTo(MachineState.MACHINE_STATE_PENDING);
        assertThat(m.getApp()).isEqualTo("shop");
        assertThat(machines.getMachine(GetMachineRequest.newBuilder().setName("full").build())).isEqualTo(m);
    }

    @Test
    void stateNetnsAndLinkComeFromTheAgentsReport() {
        machines.createMachine(CreateMachineRequest.newBuilder().setName("reported").setHost("h3").build());
        store.status().reportStatus("h3", MachineStatus.newBuilder().setName("reported").setState(MachineState.MACHINE_STATE_FAILED)
                .setMessage("veth: exists").setNetns("fn-reported").setLink("fnr1").build());
        Machine m = machines.getMachine(GetMachineRequest.newBuilder().setName("reported").build());
        assertThat(m.getState()).isEqualTo(MachineState.MACHINE_STATE_FAILED);
        assertThat(m.getStateMessage()).isEqualTo("veth: exists");
        assertThat(m.getNetns()).isEqualTo("fn-reported");
        assertThat(m.getLink()).isEqualTo("fnr1");
    }

    @Test
    void stopSaysWhetherTheHostAppliedItOrWasNotWaitedFor() throws Exception {
        machines.createMachine(CreateMachineRequest.newBuilder().setName("halt").setHost("h3").build());
        Machine unconfirmed = machines.stopMachine(StopMachineRequest.newBuilder().setName("halt").build());
        assertThat(unconfirmed.getHostApplied().getOutcome()).as("h3 holds no session")
                .isEqualTo(HostApplied.Outcome.OUTCOME_HOST_DISCONNECTED);
        assertThat(unconfirmed.getHostApplied().getHost()).isEqualTo("h3");
        assertThat(unconfirmed.getHostApplied().getRevision()).isPositive();
        assertThat(unconfirmed.getHostApplied().getHostRevision()).isZero();

        machines.startMachine(StartMachineRequest.newBuilder().setName("halt").build());
        store.status().openSession("h3", "api-it", 0);
        try {
            store.status().recordApplied("h3", Long.MAX_VALUE / 2); // as if h3's agent had applied everything to come
            Machine applied = machines.stopMachine(StopMachineRequest.newBuilder().setName("halt").build());
            assertThat(applied.getHostApplied().getOutcome()).isEqualTo(HostApplied.Outcome.OUTCOME_APPLIED);
            assertThat(applied.getHostApplied().getHostRevision()).isEqualTo(Long.MAX_VALUE / 2);
            assertThat(machines.getMachine(GetMachineRequest.newBuilder().setName("halt").build()).hasHostApplied())
                    .as("only the stop's answer carries it").isFalse();
        } finally {
            store.status().closeSession("h3", "api-it");
            store.status().recordApplied("h3", 0);
            machines.deleteMachine(DeleteMachineRequest.newBuilder().setName("halt").build());
        }
    }

    @Test
    void stopStartPortsAndDeleteWhichRemovesIndexAndStatus() throws Exception {
        Machine m = machines.createMachine(CreateMachineRequest.newBuilder().setName("cycle").setHost("h1").setStopped(true).build());
        assertThat(m.getDesiredState()).isEqualTo(MachineState.MACHINE_STATE_STOPPED);
        assertThat(m.getState()).isEqualTo(MachineState.MACHINE_STATE_STOPPED);
        assertThat(machines.startMachine(StartMachineRequest.newBuilder().setName("cycle").build()).getState())
                .isEqualTo(MachineState.MACHINE_STATE_PENDING);
        assertThat(machines.stopMachine(StopMachineRequest.newBuilder().setName("cycle").build()).getDesiredState())
                .isEqualTo(MachineState.MACHINE_STATE_STOPPED);
        assertThat(machines.setMachinePorts(SetMachinePortsRequest.newBuilder().setName("cycle").addPorts(9000).addPorts(22).build())
                .getPortsList()).containsExactly(22, 9000);
        store.status().reportStatus("h1", MachineStatus.newBuilder().setName("cycle").setState(MachineState.MACHINE_STATE_STOPPED).build());
        machines.deleteMachine(DeleteMachineRequest.newBuilder().setName("cycle").build());
        assertThat(count(store.keys().addressIndex(m.getAddress()))).isZero();
        assertThat(count(store.keys().machineStatus("cycle"))).isZero();
        assertThat(count(store.keys().machine("cycle"))).isZero();
        assertThat(machines.listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList())
                .extracting(Machine::getName).doesNotContain("cycle");
    }

    @Test
    void listsFilterByHostAndNetwork() {
        networks.createNetwork(CreateNetworkRequest.newBuilder().setName("blue").build());
        machines.createMachine(CreateMachineRequest.newBuilder().setName("blue-1").setHost("h2").setNetwork("blue").build());
        List<Machine> blue = machines.listMachines(ListMachinesRequest.newBuilder().setNetwork("blue").build()).getMachinesList();
        assertThat(blue).extracting(Machine::getName).containsExactly("blue-1");
        assertThat(AddressPlan.parse(blue.get(0).getAddress()).network()).isEqualTo(2);
        assertThat(machines.listMachines(ListMachinesRequest.newBuilder().setHost("h2").setNetwork("blue").build()).getMachinesList())
                .hasSize(1);
        assertThat(machines.listMachines(ListMachinesRequest.newBuilder().setHost("h3").setNetwork("blue").build()).getMachinesList())
                .isEmpty();
    }

    @Test
    void networksAndHostsShowTheirNumbersAndAddresses() {
        List<Network> all = networks.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList();
        assertThat(all.get(0)).isEqualTo(Network.newBuilder().setName("default").setNumber(1).setPrefix(AddressPlan.networkPrefix(1)).build());
        Host h2 = hosts.getHost(GetHostRequest.newBuilder().setName("h2").build());
        assertThat(h2.getNumber()).isEqualTo(2);
        assertThat(h2.getPublicKey()).isEqualTo(KEY);
        assertThat(h2.getEndpoint()).isEqualTo("[fd01::2]:51820");
        assertThat(h2.getInfraAddress()).isEqualTo(AddressPlan.infraAddress(2));
        assertThat(h2.getConnected()).isFalse();
        assertThat(hosts.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList()).extracting(Host::getName)
                .containsExactly("h1", "h2", "h3");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal("machine name", Status.Code.INVALID_ARGUMENT,
                        "machine name: 'Web_1' (expected: 1-63 lowercase letters, digits or '-', starting with a letter and not ending with '-')",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("Web_1").setHost("h1").build())),
                refusal("empty host", Status.Code.INVALID_ARGUMENT, "host: empty (expected: a name such as 'web-1')",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").build())),
                refusal("unknown host", Status.Code.NOT_FOUND, "host: 'h9' not found (expected: one of h1, h2, h3)",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").setHost("h9").build())),
                refusal("unknown network", Status.Code.NOT_FOUND, "network: 'green' not found (expected: one of default",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").setHost("h1").setNetwork("green").build())),
                refusal("port", Status.Code.INVALID_ARGUMENT, "ports[1]: 70000 (expected: 1..65535)",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").setHost("h1").addPorts(80).addPorts(70000).build())),
                refusal("backend", Status.Code.INVALID_ARGUMENT, "backend: 9 (expected: BACKEND_NETNS or BACKEND_TAP)",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").setHost("h1").setBackendValue(9).build())),
                refusal("app", Status.Code.INVALID_ARGUMENT, "app: 'Shop!' (expected:",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-2").setHost("h1").setApp("Shop!").build())),
                refusal("duplicate machine", Status.Code.ALREADY_EXISTS, "machine 'web-1' already exists",
                        () -> machines.createMachine(CreateMachineRequest.newBuilder().setName("web-1").setHost("h2").build())),
                refusal("get missing machine", Status.Code.NOT_FOUND, "machine 'ghost' not found",
                        () -> machines.getMachine(GetMachineRequest.newBuilder().setName("ghost").build())),
                refusal("start missing machine", Status.Code.NOT_FOUND, "machine 'ghost' not found",
                        () -> machines.startMachine(StartMachineRequest.newBuilder().setName("ghost").build())),
                refusal("stop missing machine", Status.Code.NOT_FOUND, "machine 'ghost' not found",
                        () -> machines.stopMachine(StopMachineRequest.newBuilder().setName("ghost").build())),
                refusal("delete missing machine", Status.Code.NOT_FOUND, "machine 'ghost' not found",
                        () -> machines.deleteMachine(DeleteMachineRequest.newBuilder().setName("ghost").build())),
                refusal("ports of a machine", Status.Code.INVALID_ARGUMENT, "ports[0]: 0 (expected: 1..65535)",
                        () -> machines.setMachinePorts(SetMachinePortsRequest.newBuilder().setName("web-1").addPorts(0).build())),
                refusal("route to a port the machine does not expose", Status.Code.FAILED_PRECONDITION,
                        "port: 9000 (expected: one of the ports machine 'cart-1' exposes: 8080, 8081)",
                        () -> routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("x.example.com")
                                .setMachine("cart-1").setPort(9000)).build())),
                refusal("route to a port no machine of the app exposes", Status.Code.FAILED_PRECONDITION,
                        "port: 9000 (expected: one of the ports a machine of app 'cart' exposes: 8080, 8081)",
                        () -> routes.addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("x.example.com")
                                .setApp("cart").setOwner("cart-1").setPort(9000)).build())),
                refusal("ports without one a route sends to", Status.Code.FAILED_PRECONDITION,
                        "ports: 8081 (expected: including 8080, which route cart.example.com/ sends to; change or delete the route first)",
                        () -> machines.setMachinePorts(SetMachinePortsRequest.newBuilder().setName("cart-1").addPorts(8081).build())),
                refusal("network name", Status.Code.INVALID_ARGUMENT, "network name: 'Blue' (expected:",
                        () -> networks.createNetwork(CreateNetworkRequest.newBuilder().setName("Blue").build())),
                refusal("duplicate network", Status.Code.ALREADY_EXISTS, "network 'default' already exists",
                        () -> networks.createNetwork(CreateNetworkRequest.newBuilder().setName("default").build())),
                refusal("missing host", Status.Code.NOT_FOUND, "host: 'h9' not found (expected: one of h1, h2, h3)",
                        () -> hosts.getHost(GetHostRequest.newBuilder().setName("h9").build())));
    }

    private static Arguments refusal(String name, Status.Code code, String message, Runnable call) {
        return Arguments.of(name, code, message, (Consumer<Void>) ignored -> call.run());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusalsNameFieldValueAndExpectationAndWriteNothing(String name, Status.Code code, String message, Consumer<Void> call)
            throws Exception {
        long before = revision();
        assertThatThrownBy(() -> call.accept(null)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).startsWith(message);
        });
        assertThat(revision()).as("etcd revision: nothing written").isEqualTo(before);
    }

    private static long count(String key) throws Exception {
        return client.getKVClient().get(Keys.bytes(key), GetOption.builder().withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getCount();
    }

    private static long revision() throws Exception {
        return client.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }
}

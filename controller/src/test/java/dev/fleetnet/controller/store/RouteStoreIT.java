package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import io.etcd.jetcd.Client;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Route ownership in etcd: conflicts refused, owners required, ports exposed, routes gone with their owner. */
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
                    .setDesiredState(MachineState.MACHINE_STATE_RUNNING).addPorts(8080).addPorts(8081).build());
        }
        return store;
    }

    /** Adds machines of app 'shop': shop-1 exposes 8080, shop-2 exposes 8080 and 8081. */
    private static FleetStore withShop(FleetStore store) {
        store.createMachine(Machine.newBuilder().setName("shop-1").setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                .setDesiredState(MachineState.MACHINE_STATE_RUNNING).setApp("shop").addPorts(8080).build());
        store.createMachine(Machine.newBuilder().setName("shop-2").setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                .setDesiredState(MachineState.MACHINE_STATE_RUNNING).setApp("shop").addPorts(8080).addPorts(8081).build());
        return store;
    }

    private static Route toApp(String hostname, String app, int port) {
        return Route.newBuilder().setHostname(hostname).setApp(app).setPort(port).setOwner("web").build();
    }

    private static long revision() throws Exception {
        return client.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static void assertRefused(ThrowingCallable call, String message) throws Exception {
        long before = revision();
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.FAILED_PRECONDITION))
                .hasMessage(message);
        assertThat(revision()).as("etcd revision: nothing written").isEqualTo(before);
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
        store.routes().add(route("shop.example.com", "/", "web").toBuilder().setPort(8081).build());
        assertThat(store.routes().get("shop.example.com", "/").getPort()).isEqualTo(8081);
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
    void deletingTheOwnerDeletesItsRoutesAndPortsCanChange() throws Exception {
        FleetStore store = fleet("owner");
        store.routes().add(route("web.example.com", "/", "web"));
        store.routes().add(route("api.example.com", "/", "api"));
        assertThat(store.setPorts("web", List.of(8080, 443)).machine().getPortsList()).containsExactly(8080, 443);
        store.deleteMachine("web");
        assertThat(store.routes().list("")).extracting(Route::getHostname).containsExactly("api.example.com");
        assertThat(client.getKVClient().get(Keys.bytes(store.keys().routesToIndex("web"))).get(10, TimeUnit.SECONDS).getCount())
                .as("the machine's route index goes with it").isZero();
    }

    @Test
    void aRouteToAPortItsMachineDoesNotExposeIsRefused() throws Exception {
        FleetStore store = fleet("unexposed");
        assertRefused(() -> store.routes().add(route("x.example.com", "/", "web").toBuilder().setPort(9000).build()),
                "port: 9000 (expected: one of the ports machine 'web' exposes: 8080, 8081)");
        store.setPorts("api", List.of());
        assertRefused(() -> store.routes().add(route("x.example.com", "/", "api")),
                "port: 8080 (expected: one of the ports machine 'api' exposes: none)");
        assertThat(store.routes().list("")).isEmpty();
    }

    @Test
    void aRouteToAnAppNeedsOneOfItsMachinesToExposeThePort() throws Exception {
        FleetStore store = withShop(fleet("app-ports"));
        assertRefused(() -> store.routes().add(toApp("shop.example.com", "shop", 9000)),
                "port: 9000 (expected: one of the ports a machine of app 'shop' exposes: 8080, 8081)");
        assertRefused(() -> store.routes().add(toApp("shop.example.com", "empty", 8080)),
                "port: 8080 (expected: one of the ports a machine of app 'empty' exposes: none (app 'empty' has no machines))");
        assertThat(store.routes().list("")).isEmpty();
        assertThat(store.routes().add(toApp("shop.example.com", "shop", 8081)).getApp()).as("only shop-2 exposes it").isEqualTo("shop");
    }

    @Test
    void portsChangesThatWouldLeaveARouteWithoutItsPortAreRefusedNamingTheRoute() throws Exception {
        FleetStore store = withShop(fleet("ports-change"));
        store.routes().add(route("web.example.com", "/", "web"));
        assertRefused(() -> store.setPorts("web", List.of(8081)),
                "ports: 8081 (expected: including 8080, which route web.example.com/ sends to; change or delete the route first)");
        assertThat(store.setPorts("web", List.of(8080, 9000)).machine().getPortsList()).as("8081 had no route").containsExactly(8080, 9000);

        store.routes().add(toApp("shop.example.com", "shop", 8080));
        assertThat(store.setPorts("shop-1", List.of()).machine().getPortsList()).as("shop-2 still exposes 8080").isEmpty();
        assertRefused(() -> store.setPorts("shop-2", List.of(8081)),
                "ports: 8081 (expected: including 8080, which route shop.example.com/ sends to app 'shop' and no other machine"
                        + " of the app exposes; change or delete the route first)");
        store.routes().delete("web.example.com", "/");
        assertThat(store.setPorts("web", List.of()).machine().getPortsList()).as("no route left to it").isEmpty();
    }

    @Test
    void aRouteAndAPortsChangeRacingNeverLeaveTheRouteWithoutItsPort() throws Exception {
        FleetStore store = fleet("race");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                store.setPorts("web", List.of(8080, 8081));
                Route route = route("r" + i + ".example.com", "/", "web").toBuilder().setPort(8081).build();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> add = threads.submit(refusedOrDone(go, () -> store.routes().add(route)));
                Future<?> remove = threads.submit(refusedOrDone(go, () -> store.setPorts("web", List.of(8080))));
                go.countDown();
                add.get(30, TimeUnit.SECONDS);
                remove.get(30, TimeUnit.SECONDS);
                boolean routed = store.routes().list("").stream().anyMatch(r -> r.getHostname().equals(route.getHostname()));
                assertThat(routed && !store.machine("web").getPortsList().contains(8081))
                        .as("round %d: route %s stored while web no longer exposes 8081", i, route.getHostname()).isFalse();
                if (routed) {
                    store.routes().delete(route.getHostname(), "/");
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void theLastTwoMachinesOfAnAppDroppingItsRoutesPortAtOnceLeaveOneExposingIt() throws Exception {
        FleetStore store = withShop(fleet("app-race"));
        store.routes().add(toApp("shop.example.com", "shop", 8080));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                store.setPorts("shop-1", List.of(8080));
                store.setPorts("shop-2", List.of(8080, 8081));
                CountDownLatch go = new CountDownLatch(1);
                Future<?> one = threads.submit(refusedOrDone(go, () -> store.setPorts("shop-1", List.of())));
                Future<?> two = threads.submit(refusedOrDone(go, () -> store.setPorts("shop-2", List.of(8081))));
                go.countDown();
                one.get(30, TimeUnit.SECONDS);
                two.get(30, TimeUnit.SECONDS);
                assertThat(List.of(store.machine("shop-1"), store.machine("shop-2"))).as("round %d", i)
                        .anySatisfy(m -> assertThat(m.getPortsList()).contains(8080));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** Runs {@code call} once {@code go} opens; a FAILED_PRECONDITION refusal is one of the allowed outcomes. */
    private static Callable<Void> refusedOrDone(CountDownLatch go, Runnable call) {
        return () -> {
            go.await();
            try {
                call.run();
            } catch (FleetException e) {
                if (e.kind() != FleetException.Kind.FAILED_PRECONDITION) {
                    throw e;
                }
            }
            return null;
        };
    }
}

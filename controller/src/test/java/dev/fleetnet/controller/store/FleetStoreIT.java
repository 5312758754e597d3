package dev.fleetnet.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store against a real etcd. Each test uses its own key prefix. */
class FleetStoreIT {
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

    private static FleetStore store(String name) {
        FleetStore store = new FleetStore(client, new Keys("/test-" + name + "/"));
        store.ensureDefaultNetwork();
        return store;
    }

    private static Machine request(String name, String host) {
        return Machine.newBuilder().setName(name).setHost(host).setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                .setDesiredState(MachineState.MACHINE_STATE_RUNNING).build();
    }

    private static long keyCount(FleetStore store) throws Exception {
        return client.getKVClient().get(Keys.bytes(store.keys().prefix()), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(10, TimeUnit.SECONDS).getCount();
    }

    @Test
    void hostsBehindARevisionAreTheConnectedOnesThatHaveNotAppliedIt() {
        FleetStore store = store("behind");
        store.status().openSession("h1", "s1", 0);
        store.status().openSession("h2", "s2", 0);
        store.status().recordApplied("h1", 7);
        store.status().recordApplied("h3", 1); // not connected: never waited for
        assertThat(store.status().hostsBehind(7)).containsExactly("h2");
        assertThat(store.status().hostsBehind(8)).containsExactly("h1", "h2");
        store.status().recordApplied("h2", 9);
        assertThat(store.status().hostsBehind(7)).isEmpty();
    }

    @Test
    void waitingForAHostToApplySaysWhetherItDidTimedOutOrWasNotConnected() throws Exception {
        FleetStore store = store("await");
        store.status().openSession("h1", "s1", 0);
        store.status().recordApplied("h1", 7);
        store.status().recordApplied("h3", 9); // acknowledged before it disconnected

        ApplyWait applied = store.status().awaitApplied("h1", 7, java.time.Duration.ofSeconds(10));
        assertThat(applied).isInstanceOf(ApplyWait.Applied.class);
        assertThat(applied.hostRevision()).isEqualTo(7);

        ApplyWait timedOut = store.status().awaitApplied("h1", 8, java.time.Duration.ofMillis(200));
        assertThat(timedOut).isInstanceOf(ApplyWait.TimedOut.class);
        assertThat(timedOut.hostRevision()).isEqualTo(7);
        assertThat(timedOut.waited()).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(200));

        ApplyWait disconnected = store.status().awaitApplied("h2", 1, java.time.Duration.ofSeconds(10));
        assertThat(disconnected).as("no session: not waited for").isInstanceOf(ApplyWait.HostDisconnected.class);
        assertThat(disconnected.waited()).isLessThan(java.time.Duration.ofSeconds(10));
        assertThat(store.status().awaitApplied("h3", 9, java.time.Duration.ofSeconds(10)))
                .as("what a host applied before it left still counts").isInstanceOf(ApplyWait.Applied.class);

        // An acknowledgement that lands while the caller waits ends the wait as applied.
        var ack = java.util.concurrent.CompletableFuture.runAsync(() -> store.status().recordApplied("h1", 8));
        ApplyWait later = store.status().awaitApplied("h1", 8, java.time.Duration.ofSeconds(10));
        ack.get(10, TimeUnit.SECONDS);
        assertThat(later).isInstanceOf(ApplyWait.Applied.class);
        assertThat(later.hostRevision()).isEqualTo(8);
    }

    @Test
    void aRejoiningHostKeepsItsNumberAndGetsItsNewEndpoint() {
        FleetStore store = store("rejoin");
        Host h1 = store.joinHost("h1", "key1", "[fd01::1]:51820");
        Host h2 = store.joinHost("h2", "key2", "[fd01::2]:51820");
        Host again = store.joinHost("h1", "key1", "[fd01::11]:51820");
        assertThat(h1.getNumber()).isEqualTo(1);
        assertThat(h2.getNumber()).isEqualTo(2);
        assertThat(again.getNumber()).isEqualTo(1);
        assertThat(store.host("h1").getEndpoint()).isEqualTo("[fd01::11]:51820");
        assertThat(store.host("h1").getInfraAddress()).isEqualTo(AddressPlan.infraAddress(1));
    }

    @Test
    void addressesFollowThePlanAndRefusalsWriteNothing() throws Exception {
        FleetStore store = store("refusals");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        Machine web = store.createMachine(request("web", "h1"));
        assertThat(web.getAddress()).isEqualTo(AddressPlan.machineAddress(1, 1, 1));
        long keys = keyCount(store);

        assertThatThrownBy(() -> store.createMachine(request("web", "h1")))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.ALREADY_EXISTS))
                .hasMessage("machine 'web' already exists");
        assertThatThrownBy(() -> store.createMachine(request("api", "h9")))
                .isInstanceOfSatisfying(FleetException.class, e -> assertThat(e.kind()).isEqualTo(FleetException.Kind.NOT_FOUND))
                .hasMessage("host: 'h9' not found (expected: one of h1)");
        assertThatThrownBy(() -> store.createMachine(request("api", "h1").toBuilder().setNetwork("nope").build()))
                .hasMessage("network: 'nope' not found (expected: one of default)");
        assertThatThrownBy(() -> store.deleteMachine("ghost")).hasMessage("machine 'ghost' not found");
        assertThatThrownBy(() -> store.createNetwork("default")).hasMessage("network 'default' already exists");
        assertThat(keyCount(store)).as("nothing written by refused requests").isEqualTo(keys);
    }

    @Test
    void deleteRemovesTheMachineItsIndexAndStatusSoTheAddressIsFreeAgain() throws Exception {
        FleetStore store = store("delete");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        Machine web = store.createMachine(request("web", "h1"));
        store.status().reportStatus("h1", MachineStatus.newBuilder().setName("web")
                .setState(MachineState.MACHINE_STATE_RUNNING).setNetns("ns-web").build());
        assertThat(store.machine("web").getState()).isEqualTo(MachineState.MACHINE_STATE_RUNNING);
        assertThat(store.machine("web").getNetns()).isEqualTo("ns-web");
        store.deleteMachine("web");
        assertThat(client.getKVClient().get(Keys.bytes(store.keys().addressIndex(web.getAddress()))).get().getKvs()).isEmpty();
        assertThat(client.getKVClient().get(Keys.bytes(store.keys().machineStatus("web"))).get().getKvs()).isEmpty();
        assertThat(store.machines("", "")).isEmpty();
        // A late report from the agent about a deleted machine writes nothing.
        store.status().reportStatus("h1", MachineStatus.newBuilder().setName("web").build());
        assertThat(client.getKVClient().get(Keys.bytes(store.keys().machineStatus("web"))).get().getKvs()).isEmpty();
    }

    @Test
    void stopAndStartChangeOnlyTheDesiredStateAndARepeatWritesNothing() throws Exception {
        FleetStore store = store("stopstart");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        Machine web = store.createMachine(request("web", "h1"));
        assertThat(web.getState()).as("state of a new machine").isEqualTo(MachineState.MACHINE_STATE_PENDING);
        FleetStore.Update stopped = store.setDesiredState("web", MachineState.MACHINE_STATE_STOPPED);
        assertThat(stopped.machine().getDesiredState()).isEqualTo(MachineState.MACHINE_STATE_STOPPED);
        assertThat(stopped.machine().getState()).as("not reported, desired stopped").isEqualTo(MachineState.MACHINE_STATE_STOPPED);
        assertThat(stopped.machine().getAddress()).isEqualTo(web.getAddress());
        long revision = revision();
        FleetStore.Update again = store.setDesiredState("web", MachineState.MACHINE_STATE_STOPPED);
        assertThat(again.revision()).as("revision of the unchanged machine").isEqualTo(stopped.revision());
        assertThat(revision()).as("a stop of a stopped machine writes nothing").isEqualTo(revision);
        assertThat(store.setDesiredState("web", MachineState.MACHINE_STATE_RUNNING).machine().getDesiredState())
                .isEqualTo(MachineState.MACHINE_STATE_RUNNING);
    }

    @Test
    void numbersAreNotReusedAfterDeleteAndATakenNumberIsSteppedOver() throws Exception {
        FleetStore store = store("numbers");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        store.createMachine(request("a", "h1"));
        store.deleteMachine("a");
        assertThat(store.createMachine(request("b", "h1")).getNumber()).as("a's number stays retired").isEqualTo(2);
        // A counter that lags behind its index (e.g. a restored backup) must not hand out a taken address.
        client.getKVClient().put(Keys.bytes(store.keys().machineCounter(1, 1)), Keys.bytes("2")).get(10, TimeUnit.SECONDS);
        Machine c = store.createMachine(request("c", "h1"));
        assertThat(c.getNumber()).isEqualTo(3);
        assertThat(c.getAddress()).isEqualTo(AddressPlan.machineAddress(1, 1, 3));
    }

    @Test
    void statusIsWrittenOnlyWhenItChanges() throws Exception {
        FleetStore store = store("status");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        store.createMachine(request("web", "h1"));
        MachineStatus running = MachineStatus.newBuilder().setName("web").setState(MachineState.MACHINE_STATE_RUNNING)
                .setNetns("ns-web").setLink("veth-web").build();
        store.status().reportStatus("h1", running);
        long revision = revision();
        store.status().reportStatus("h1", running);
        assertThat(revision()).isEqualTo(revision);
        store.status().reportStatus("h2", running.toBuilder().setState(MachineState.MACHINE_STATE_FAILED).build());
        assertThat(revision()).as("a report from a host the machine is not on").isEqualTo(revision);
        store.setPorts("web", java.util.List.of(80));
        store.status().reportStatus("h1", running.toBuilder().setState(MachineState.MACHINE_STATE_FAILED).setMessage("boom").build());
        Machine web = store.machine("web");
        assertThat(web.getState()).as("a report after an unrelated update lands").isEqualTo(MachineState.MACHINE_STATE_FAILED);
        assertThat(web.getStateMessage()).isEqualTo("boom");
        assertThat(web.getLink()).isEqualTo("veth-web");
    }

    @Test
    void listeningPortsAreWrittenForViewsOnlyWhenTheyChangeAndGoWithTheMachine() throws Exception {
        FleetStore store = store("listening");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        store.createMachine(request("web", "h1"));
        MachineStatus running = MachineStatus.newBuilder().setName("web").setState(MachineState.MACHINE_STATE_RUNNING).build();
        String key = store.keys().listening("web");
        store.status().reportStatus("h1", running);
        assertThat(client.getKVClient().get(Keys.bytes(key)).get().getKvs()).as("no ports, no key").isEmpty();

        store.status().reportStatus("h1", running.toBuilder().addListeningPorts(22).addListeningPorts(8080).build());
        assertThat(dev.fleetnet.proto.v1.ListeningPorts.parseFrom(
                client.getKVClient().get(Keys.bytes(key)).get().getKvs().getFirst().getValue().getBytes()).getPortsList())
                .containsExactly(22, 8080);
        assertThat(store.machine("web").getListeningPortsList()).containsExactly(22, 8080);
        long modRevision = client.getKVClient().get(Keys.bytes(key)).get().getKvs().getFirst().getModRevision();
        store.status().reportStatus("h1", running.toBuilder().addListeningPorts(22).addListeningPorts(8080).setMessage("x").build());
        assertThat(client.getKVClient().get(Keys.bytes(key)).get().getKvs().getFirst().getModRevision())
                .as("a status change with the same ports leaves the view key alone").isEqualTo(modRevision);

        store.status().reportStatus("h1", running.toBuilder().setState(MachineState.MACHINE_STATE_STOPPED).build());
        assertThat(client.getKVClient().get(Keys.bytes(key)).get().getKvs()).as("stopped: nothing listens").isEmpty();
        store.status().reportStatus("h1", running.toBuilder().addListeningPorts(80).build());
        store.deleteMachine("web");
        assertThat(client.getKVClient().get(Keys.bytes(key)).get().getKvs()).isEmpty();
    }

    @Test
    void aClosingStreamDoesNotEndTheSessionThatReplacedIt() throws Exception {
        FleetStore store = store("sessions");
        store.joinHost("h1", "key1", "[fd01::1]:51820");
        long lease1 = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        long lease2 = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        try {
            store.status().openSession("h1", "c1/1", lease1);
            store.status().openSession("h1", "c1/2", lease2);
            store.status().closeSession("h1", "c1/1");
            assertThat(store.host("h1").getConnected()).isTrue();
            store.status().closeSession("h1", "c1/2");
            assertThat(store.host("h1").getConnected()).isFalse();
        } finally {
            client.getLeaseClient().revoke(lease1).get(10, TimeUnit.SECONDS);
            client.getLeaseClient().revoke(lease2).get(10, TimeUnit.SECONDS);
        }
    }

    private static long revision() throws Exception {
        return client.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }
}

package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListNetworksRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.StopMachineRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The mesh issue's proof: a three-host lab of real processes, real wireguard-go, real ping and wg. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshIT {
    private static final Duration PAIR_DEADLINE = Duration.ofSeconds(20);
    private static LabFixture fixture;

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3);
    }

    @AfterAll
    static void stopLab() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(0)
    void labUpReturnsOnlyOnceTrafficHasCrossedTheMeshBetweenEveryPairOfHosts() {
        // Nothing in this class has sent a packet yet: WireGuard shakes hands only when traffic
        // flows (no persistent keepalive), so each peer's handshake and bytes are what lab up's
        // own wait for the mesh sent; a lab up that returned with the machines merely running
        // would leave them at zero.
        LabLayout layout = fixture.lab.layout();
        for (int i = 1; i <= 3; i++) {
            Shell.Result dump = Shell.inNamespace(layout.hostNamespace(i), "wg", "show", layout.meshInterface(i), "dump");
            assertThat(dump.ok()).as(dump.output()).isTrue();
            List<String> peers = dump.output().lines().skip(1).toList();
            assertThat(peers).as("peers of " + layout.hostName(i)).hasSize(2);
            for (String peer : peers) {
                String[] fields = peer.split("\t"); // public-key psk endpoint allowed-ips latest-handshake rx tx keepalive
                assertThat(fields[7]).as("persistent keepalive of " + layout.hostName(i) + "'s peer " + fields[0]).isEqualTo("off");
                assertThat(Long.parseLong(fields[4])).as("latest handshake of " + layout.hostName(i) + "'s peer " + fields[0])
                        .isPositive();
                assertThat(Long.parseLong(fields[5])).as("bytes received from " + fields[0]).isPositive();
            }
        }
    }

    @Test
    @Order(1)
    void everyMachinePingsEveryOtherMachineAcrossHosts() throws Exception {
        List<Machine> machines = fixture.runningMachines();
        assertThat(machines).hasSize(6);
        assertThat(machines.stream().map(Machine::getHost).distinct()).hasSize(3);
        assertThat(fixture.failingPairs(machines, PAIR_DEADLINE)).isEmpty();
    }

    @Test
    @Order(2)
    void wgShowListsExactlyTheOtherHostsWithThePlannedAllowedIps() {
        List<Host> hosts;
        Map<String, Long> networkNumbers = new HashMap<>();
        List<Machine> machines;
        try (FleetClient client = fixture.client()) {
            hosts = client.hosts().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
            for (Network n : client.networks().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()) {
                networkNumbers.put(n.getName(), (long) n.getNumber());
            }
            machines = fixture.runningMachines();
        }
        LabLayout layout = fixture.lab.layout();
        for (int i = 1; i <= 3; i++) {
            String self = layout.hostName(i);
            Shell.Result dump = Shell.inNamespace(layout.hostNamespace(i), "wg", "show", layout.meshInterface(i), "dump");
            assertThat(dump.ok()).as(dump.output()).isTrue();
            Map<String, Set<String>> actual = new HashMap<>();
            List<String> lines = dump.output().lines().toList();
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.split("\t");
                actual.put(fields[0], new TreeSet<>(List.of(fields[3].split(","))));
            }
            Map<String, Set<String>> expected = new HashMap<>();
            for (Host other : hosts) {
                if (other.getName().equals(self)) {
                    continue;
                }
                Set<String> allowed = new TreeSet<>();
                allowed.add(AddressPlan.hostPrefix(AddressPlan.INFRA_NETWORK, other.getNumber()));
                for (Machine m : machines) {
                    if (m.getHost().equals(other.getName())) {
                        allowed.add(AddressPlan.hostPrefix(networkNumbers.get(m.getNetwork()), other.getNumber()));
                    }
                }
                expected.put(other.getPublicKey(), allowed);
            }
            assertThat(actual).as("wg peers of " + self).isEqualTo(expected);
        }
    }

    @Test
    @Order(3)
    void restartedAgentAdoptsWhatExistsInsteadOfRecreatingIt() throws Exception {
        Lab lab = fixture.lab;
        LabLayout layout = lab.layout();
        String wireguardBefore = wireguardPid(layout, 1);
        Machine local = machineOn("h1");
        String linkBefore = linkIndex(layout.hostNamespace(1), local.getLink());

        lab.stopAgent(1);
        lab.startAgent(1);
        awaitConnected("h1");

        assertThat(wireguardPid(layout, 1)).as("wireguard-go of h1 was not restarted").isEqualTo(wireguardBefore);
        assertThat(linkIndex(layout.hostNamespace(1), local.getLink())).as("machine link was not recreated").isEqualTo(linkBefore);
        assertThat(fixture.failingPairs(fixture.runningMachines(), PAIR_DEADLINE)).isEmpty();
    }

    @Test
    @Order(4)
    void meshKeepsForwardingWithTheControllerDownAndAgentsConvergeWhenItReturns() throws Exception {
        Lab lab = fixture.lab;
        LabLayout layout = lab.layout();
        List<Machine> machines = fixture.runningMachines();

        lab.stopController();
        assertThat(fixture.failingPairs(machines, PAIR_DEADLINE)).as("matrix with the controller down").isEmpty();

        // Break host 2's data plane, then restart its agent while the controller is still down:
        // only the view it kept on disk can rebuild the mesh interface and the peers.
        fixture.net.deleteLink(layout.hostNamespace(2), layout.meshInterface(2));
        lab.stopAgent(2);
        lab.startAgent(2);
        assertThat(fixture.failingPairs(machines, PAIR_DEADLINE)).as("matrix after restarting h2's agent offline").isEmpty();

        lab.startController();
        for (int i = 1; i <= 3; i++) {
            awaitConnected(layout.hostName(i));
        }
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("late-3").setHost("h3").build());
            Lab.awaitAllRunning(client, 7);
        }
        assertThat(fixture.failingPairs(fixture.runningMachines(), PAIR_DEADLINE)).as("matrix after convergence").isEmpty();
    }

    @Test
    @Order(5)
    void stoppedThenDeletedMachineStopsAnsweringAndLeavesNoStateOnAnyHost() throws Exception {
        Machine victim = machineOn("h3");
        Machine prober = machineOn("h1");
        LabLayout layout = fixture.lab.layout();
        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName(victim.getName()).build());
            Deadline.await(victim.getName() + " to stop answering", PAIR_DEADLINE,
                    () -> !Shell.ping(prober.getNetns(), victim.getAddress()));
            Deadline.await(victim.getName() + " to report stopped", PAIR_DEADLINE, () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName(victim.getName()).build()).getState()
                    == MachineState.MACHINE_STATE_STOPPED);

            client.machines().deleteMachine(DeleteMachineRequest.newBuilder().setName(victim.getName()).build());
            assertThatThrownBy(() -> client.machines().getMachine(GetMachineRequest.newBuilder().setName(victim.getName()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
        Deadline.await("no host to keep state for " + victim.getName(), PAIR_DEADLINE,
                () -> hostStateMentioning(layout, victim).isEmpty(), () -> hostStateMentioning(layout, victim).toString());
        assertThat(Shell.ping(prober.getNetns(), victim.getAddress())).isFalse();
    }

    private static List<String> hostStateMentioning(LabLayout layout, Machine machine) {
        List<String> found = new ArrayList<>();
        if (fixture.net.namespaces().contains(machine.getNetns())) {
            found.add("namespace " + machine.getNetns());
        }
        for (int i = 1; i <= 3; i++) {
            String ns = layout.hostNamespace(i);
            for (Route route : fixture.net.routes(ns)) {
                if (route.destination().startsWith(machine.getAddress())) {
                    found.add(ns + " route " + route);
                }
            }
            if (fixture.net.links(ns).stream().anyMatch(l -> l.name().equals(machine.getLink()))) {
                found.add(ns + " link " + machine.getLink());
            }
        }
        return found;
    }

    private static Machine machineOn(String host) {
        return fixture.runningMachines().stream().filter(m -> m.getHost().equals(host)).findFirst().orElseThrow();
    }

    private static void awaitConnected(String host) {
        try (FleetClient client = fixture.client()) {
            Deadline.await(host + " to connect", Duration.ofSeconds(60), () -> client.hosts()
                    .listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                    .anyMatch(h -> h.getName().equals(host) && h.getConnected()));
        }
    }

    private static String wireguardPid(LabLayout layout, int host) {
        Shell.Result result = Shell.run(List.of("pgrep", "-f", "wireguard-go " + layout.meshInterface(host) + "$"));
        assertThat(result.ok()).as("wireguard-go for " + layout.meshInterface(host) + " runs").isTrue();
        return result.output().strip();
    }

    private static String linkIndex(String namespace, String link) {
        Shell.Result result = Shell.run(List.of("ip", "-n", namespace, "-o", "link", "show", link));
        assertThat(result.ok()).as(result.output()).isTrue();
        return result.output().split(":")[0];
    }
}

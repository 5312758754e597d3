package dev.fleetnet.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.ViewDelta;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Host views and deltas, case by case: a fleet (or a change to one) in, peers, machines and deltas out. */
class HostViewTableTest {
    private static final Fleet BASE = Fleet.EMPTY.atRevision(5)
            .withNetwork(network("default", 1)).withNetwork(network("blue", 2)).withNetwork(network("red", 3))
            .withHost(host("h1", 1, "k1", "[fd01::1]:51820"))
            .withHost(host("h2", 2, "k2", "[fd01::2]:51820"));

    private static Network network(String name, int number) {
        return Network.newBuilder().setName(name).setNumber(number).setPrefix(AddressPlan.networkPrefix(number)).build();
    }

    private static Host host(String name, int number, String key, String endpoint) {
        return Host.newBuilder().setName(name).setNumber(number).setPublicKey(key).setEndpoint(endpoint).build();
    }

    private static Machine machine(String name, String host, String network, MachineState desired, Integer... ports) {
        return Machine.newBuilder().setName(name).setHost(host).setNetwork(network).setNumber(name.length())
                .setAddress("fdaa::" + name.length()).setDesiredState(desired).addAllPorts(List.of(ports)).build();
    }

    static Stream<Arguments> peers() {
        return Stream.of(
                Arguments.of("no machines: only the infrastructure /80", BASE,
                        List.of("h2=" + AddressPlan.hostPrefix(0, 2))),
                Arguments.of("a host without a public key is no peer",
                        BASE.withHost(host("h3", 3, "", "[fd01::3]:51820")), List.of("h2=" + AddressPlan.hostPrefix(0, 2))),
                Arguments.of("a host without an endpoint is no peer",
                        BASE.withHost(host("h3", 3, "k3", "")), List.of("h2=" + AddressPlan.hostPrefix(0, 2))),
                Arguments.of("one /80 per network with a machine, sorted, once each",
                        BASE.withMachine(machine("r1", "h2", "red", MachineState.MACHINE_STATE_RUNNING))
                                .withMachine(machine("b1", "h2", "blue", MachineState.MACHINE_STATE_STOPPED))
                                .withMachine(machine("b2", "h2", "blue", MachineState.MACHINE_STATE_RUNNING))
                                .withMachine(machine("mine", "h1", "default", MachineState.MACHINE_STATE_RUNNING)),
                        List.of("h2=" + AddressPlan.hostPrefix(0, 2) + "," + AddressPlan.hostPrefix(2, 2) + "," + AddressPlan.hostPrefix(3, 2))),
                Arguments.of("peers sorted by name, never the host itself",
                        BASE.withHost(host("a0", 7, "k7", "192.0.2.7:51820")),
                        List.of("a0=" + AddressPlan.hostPrefix(0, 7), "h2=" + AddressPlan.hostPrefix(0, 2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void peersOfH1(String name, Fleet fleet, List<String> expected) {
        assertThat(HostViews.compute(fleet, "h1", "fleet.internal").getPeersList())
                .extracting(p -> p.getHostName() + "=" + String.join(",", p.getAllowedIpsList()))
                .isEqualTo(expected);
    }

    static Stream<Arguments> machines() {
        return Stream.of(
                Arguments.of("none", BASE, List.of()),
                Arguments.of("only this host's, by name, running from the desired state",
                        BASE.withMachine(machine("zz", "h1", "blue", MachineState.MACHINE_STATE_STOPPED, 443, 80))
                                .withMachine(machine("aa", "h1", "default", MachineState.MACHINE_STATE_RUNNING))
                                .withMachine(machine("other", "h2", "default", MachineState.MACHINE_STATE_RUNNING)),
                        List.of("aa net=1 running=true ports=[]", "zz net=2 running=false ports=[80, 443]")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void machinesOfH1(String name, Fleet fleet, List<String> expected) {
        HostView view = HostViews.compute(fleet, "h1", "fleet.internal");
        assertThat(view.getMachinesList()).extracting(HostViewTableTest::describe).isEqualTo(expected);
        assertThat(view.getDirectoryCount()).as("directory: every machine of the fleet").isEqualTo(fleet.machines().size());
    }

    private static String describe(MachineSpec m) {
        return m.getName() + " net=" + m.getNetworkNumber() + " running=" + m.getRunning() + " ports=" + m.getPortsList();
    }

    private static final Fleet WITH_MACHINES = BASE
            .withMachine(machine("a", "h1", "default", MachineState.MACHINE_STATE_RUNNING))
            .withMachine(machine("bb", "h1", "default", MachineState.MACHINE_STATE_RUNNING));

    static Stream<Arguments> deltas() {
        return Stream.of(
                Arguments.of("nothing changed", (UnaryOperator<Fleet>) f -> f, "peers+[] peers-[] machines+[] machines-[]"),
                Arguments.of("a peer's endpoint", (UnaryOperator<Fleet>) f -> f.withHost(host("h2", 2, "k2", "[fd01::22]:51820")),
                        "peers+[h2] peers-[] machines+[] machines-[]"),
                Arguments.of("a peer gains a network", (UnaryOperator<Fleet>) f -> f.withMachine(machine("x", "h2", "red",
                        MachineState.MACHINE_STATE_RUNNING)), "peers+[h2] peers-[] machines+[] machines-[]"),
                Arguments.of("a peer leaves", (UnaryOperator<Fleet>) f -> f.withoutHost("h2"), "peers+[] peers-[h2] machines+[] machines-[]"),
                Arguments.of("a new peer", (UnaryOperator<Fleet>) f -> f.withHost(host("h3", 3, "k3", "[fd01::3]:51820")),
                        "peers+[h3] peers-[] machines+[] machines-[]"),
                Arguments.of("one machine stopped", (UnaryOperator<Fleet>) f -> f.withMachine(machine("a", "h1", "default",
                        MachineState.MACHINE_STATE_STOPPED)), "peers+[] peers-[] machines+[a] machines-[]"),
                Arguments.of("ports changed", (UnaryOperator<Fleet>) f -> f.withMachine(machine("bb", "h1", "default",
                        MachineState.MACHINE_STATE_RUNNING, 8080)), "peers+[] peers-[] machines+[bb] machines-[]"),
                Arguments.of("machine deleted and another added", (UnaryOperator<Fleet>) f -> f.withoutMachine("a")
                        .withMachine(machine("c", "h1", "blue", MachineState.MACHINE_STATE_RUNNING)),
                        "peers+[] peers-[] machines+[c] machines-[a]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deltas")
    void deltaForH1(String name, UnaryOperator<Fleet> change, String expected) {
        HostView before = HostViews.compute(WITH_MACHINES, "h1", "fleet.internal");
        HostView after = HostViews.compute(change.apply(WITH_MACHINES).atRevision(6), "h1", "fleet.internal");
        ViewDelta delta = ViewDiff.between(before, after);
        assertThat(delta.getRevision()).isEqualTo(6);
        assertThat("peers+" + delta.getUpsertPeersList().stream().map(Peer::getHostName).toList()
                + " peers-" + delta.getRemovePeersList()
                + " machines+" + delta.getUpsertMachinesList().stream().map(MachineSpec::getName).toList()
                + " machines-" + delta.getRemoveMachinesList()).isEqualTo(expected);
        assertThat(ViewDiff.changed(before, after)).isEqualTo(!ViewDiff.isEmpty(delta));
    }
}

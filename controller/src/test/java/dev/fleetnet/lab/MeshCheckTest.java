package dev.fleetnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Machine;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class MeshCheckTest {
    private static Machine machine(String name, String host, String address) {
        return Machine.newBuilder().setName(name).setHost(host).setNetns("ns-" + name).setAddress(address).build();
    }

    private final List<Machine> machines = List.of(machine("a", "h1", "fdaa::a"), machine("b", "h2", "fdaa::b"),
            machine("c", "h3", "fdaa::c"));

    @Test
    void everyOrderedPairOfDistinctMachinesIsAskedOnceAndAnAnsweredPairNeverAgain() {
        ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();
        Set<String> down = ConcurrentHashMap.newKeySet();
        down.add("ns-a -> fdaa::b");
        down.add("ns-c -> fdaa::a");
        MeshCheck mesh = new MeshCheck(machines, (namespace, address) -> {
            String pair = namespace + " -> " + address;
            asked.add(pair);
            return !down.contains(pair);
        });

        assertThat(mesh.round()).as("two pairs did not answer").isFalse();
        assertThat(asked).containsExactlyInAnyOrder("ns-a -> fdaa::b", "ns-a -> fdaa::c", "ns-b -> fdaa::a",
                "ns-b -> fdaa::c", "ns-c -> fdaa::a", "ns-c -> fdaa::b");
        assertThat(mesh.pending()).containsExactlyInAnyOrder("a(h1) -> b(h2, fdaa::b)", "c(h3) -> a(h1, fdaa::a)");

        asked.clear();
        down.remove("ns-a -> fdaa::b");
        assertThat(mesh.round()).isFalse();
        assertThat(asked).as("only the pairs still pending").containsExactlyInAnyOrder("ns-a -> fdaa::b", "ns-c -> fdaa::a");
        assertThat(mesh.pending()).containsExactly("c(h3) -> a(h1, fdaa::a)");

        down.clear();
        assertThat(mesh.round()).isTrue();
        assertThat(mesh.pending()).isEmpty();
    }

    @Test
    void aFailureToRunPingSaysSo() {
        MeshCheck mesh = new MeshCheck(machines, (namespace, address) -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("no ping"));
        });
        assertThatThrownBy(mesh::round).isInstanceOf(IllegalStateException.class).hasMessageContaining("no ping");
    }

    @Test
    void aSingleMachineHasNoPairToWaitFor() {
        MeshCheck mesh = new MeshCheck(List.of(machines.getFirst()), (namespace, address) -> false);
        assertThat(mesh.round()).isTrue();
    }
}

package dev.fleetnet.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.ViewDelta;
import org.junit.jupiter.api.Test;

class ViewFolderTest {
    private static Peer peer(String name, String endpoint) {
        return Peer.newBuilder().setHostName(name).setEndpoint(endpoint).build();
    }

    private static MachineSpec machine(String name, boolean running) {
        return MachineSpec.newBuilder().setName(name).setRunning(running).build();
    }

    @Test
    void foldsUpsertsAndRemovalsIntoTheWholeView() {
        HostView view = HostView.newBuilder().setRevision(5).setHostName("h1").setHostNumber(1)
                .addPeers(peer("h2", "[fd01::2]:1")).addPeers(peer("h3", "[fd01::3]:1"))
                .addMachines(machine("a", true)).addMachines(machine("b", true)).build();
        ViewDelta delta = ViewDelta.newBuilder().setRevision(9)
                .addUpsertPeers(peer("h2", "[fd01::22]:1")).addRemovePeers("h3").addUpsertPeers(peer("h4", "[fd01::4]:1"))
                .addUpsertMachines(machine("b", false)).addRemoveMachines("a").addUpsertMachines(machine("c", true)).build();
        HostView folded = ViewFolder.fold(view, delta);
        assertThat(folded.getRevision()).isEqualTo(9);
        assertThat(folded.getHostName()).isEqualTo("h1");
        assertThat(folded.getPeersList()).containsExactly(peer("h2", "[fd01::22]:1"), peer("h4", "[fd01::4]:1"));
        assertThat(folded.getMachinesList()).containsExactly(machine("b", false), machine("c", true));
    }

    @Test
    void anEmptyDeltaOnlyMovesTheRevision() {
        HostView view = HostView.newBuilder().setRevision(5).addMachines(machine("a", true)).build();
        assertThat(ViewFolder.fold(view, ViewDelta.newBuilder().setRevision(6).build()))
                .isEqualTo(view.toBuilder().setRevision(6).build());
    }
}

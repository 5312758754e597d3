package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.host.HostPlanner;
import dev.fleetnet.agent.host.HostReconciler;
import dev.fleetnet.agent.host.MachineNames;
import dev.fleetnet.agent.policy.InMemoryPacketFilter;
import dev.fleetnet.agent.policy.PolicyReconciler;
import dev.fleetnet.agent.policy.PolicyState;
import dev.fleetnet.agent.state.SavedView;
import dev.fleetnet.agent.state.StateStore;
import dev.fleetnet.agent.state.ViewEnvelope;
import dev.fleetnet.agent.wireguard.FakeWireGuardDevice;
import dev.fleetnet.agent.wireguard.MeshConfig;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.netns.memory.InMemoryLinuxNetworking;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A restarted agent on an in-memory kernel and packet filter: a bad saved file leads to no pass at
 * all (not one kernel, WireGuard or filter write), a good one to a pass that changes nothing, and
 * the controller's first view then converges from what is there without rebuilding it.
 */
class ViewRestoreTest {
    private static final WireGuardKey KEY = WireGuardKey.generate();
    private static final String PEER_KEY = WireGuardKey.generate().publicBase64();
    private final HostPlanner planner = new HostPlanner("wg0", "m-", 51820);
    private final InMemoryLinuxNetworking net = new InMemoryLinuxNetworking();
    private final FakeWireGuardDevice wg = new FakeWireGuardDevice("wg0", () -> net.addTap("wg0"));
    private final InMemoryPacketFilter filter = new InMemoryPacketFilter();
    @TempDir
    Path dir;
    private StateStore store;

    /** The damage done to the saved file between two runs of the agent. */
    enum Damage {
        EMPTY(bytes -> new byte[0]),
        TRUNCATED_IN_THE_HEADER(bytes -> Arrays.copyOf(bytes, 10)),
        TRUNCATED_IN_THE_VIEW(bytes -> Arrays.copyOf(bytes, bytes.length / 2)),
        TRUNCATED_IN_THE_CHECKSUM(bytes -> Arrays.copyOf(bytes, bytes.length - 5)),
        A_FLIPPED_BYTE(bytes -> {
            byte[] damaged = bytes.clone();
            damaged[bytes.length / 2] ^= 0x10;
            return damaged;
        }),
        ANOTHER_HOSTS_FILE(bytes -> ViewEnvelope.seal("h2", view().toBuilder().setHostName("h2").build())),
        /** The previous format, cut after the first machine: it parses as a view of one machine. */
        OLD_FORMAT_TRUNCATED(bytes -> Arrays.copyOf(view().toByteArray(), view().toBuilder().removeMachines(1).build()
                .getSerializedSize()));

        final UnaryOperator<byte[]> damage;

        Damage(UnaryOperator<byte[]> damage) {
            this.damage = damage;
        }
    }

    static HostView view() {
        return HostView.newBuilder().setRevision(41).setHostName("h1").setHostNumber(1)
                .addPeers(Peer.newBuilder().setHostName("h2").setHostNumber(2).setPublicKey(PEER_KEY).setEndpoint("[fd01::2]:51820")
                        .addAllowedIps("fdaa::2:0:0:0/80").addAllowedIps("fdaa:0:1:0:2::/80"))
                .addMachines(MachineSpec.newBuilder().setName("web").setNetworkNumber(1).setMachineNumber(1)
                        .setAddress("fdaa:0:1:0:1:0:1:0").setBackend(Backend.BACKEND_NETNS).setRunning(true).addPorts(8080))
                .addMachines(MachineSpec.newBuilder().setName("db").setNetworkNumber(1).setMachineNumber(2)
                        .setAddress("fdaa:0:1:0:1:0:2:0").setBackend(Backend.BACKEND_NETNS).setRunning(true))
                .build();
    }

    /** What a pass could have changed: namespaces, links, addresses, routes, WireGuard peers, filter state. */
    private record DataPlane(List<String> namespaces, List<String> links, List<List<String>> addresses,
            List<LinuxNetworking.Route> routes, MeshConfig mesh, Optional<PolicyState> filter) {}

    private DataPlane dataPlane() {
        List<List<String>> addresses = new ArrayList<>();
        for (String ns : net.namespaces()) {
            addresses.add(net.addresses(ns, "eth0"));
        }
        for (LinuxNetworking.Link link : net.links(null)) {
            addresses.add(net.addresses(null, link.name()));
        }
        return new DataPlane(net.namespaces(), net.links(null).stream().map(LinuxNetworking.Link::name).sorted().toList(),
                addresses, net.routes(null), wg.read(), filter.read());
    }

    /** A fresh agent process over the same kernel: new reconcilers that know nothing of the last run. */
    private DataPlanePass restartedAgent() {
        return new DataPlanePass(planner, new HostReconciler(net, wg, "m-"), new PolicyReconciler(filter), KEY);
    }

    @BeforeEach
    void aRunningHost() throws Exception {
        store = new StateStore(dir, "h1");
        assertThat(restartedAgent().run(view(), false).noChanges()).isFalse();
        store.saveView(view());
        assertThat(net.namespaces()).containsExactlyInAnyOrder("m-web", "m-db");
        assertThat(wg.read().peers()).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void withABadSavedFileNothingOnTheHostIsTouchedUntilTheControllersView(Damage damage) throws Exception {
        Path file = dir.resolve("view.pb");
        Files.write(file, damage.damage.apply(Files.readAllBytes(file)));
        DataPlane before = dataPlane();
        int wgWrites = wg.applied.size();
        int filterWrites = filter.batches().size();
        net.clearTranscript();

        DataPlanePass agent = restartedAgent();
        List<HostView> restored = new ArrayList<>();
        SavedView saved = ViewRestore.restore(store, (view, why) -> {
            restored.add(view);
            agent.run(view, true);
        });

        assertThat(saved).isInstanceOf(SavedView.SetAside.class);
        assertThat(restored).as("no pass ran").isEmpty();
        assertThat(net.transcript()).as("kernel writes").isEmpty();
        assertThat(wg.applied).as("WireGuard writes").hasSize(wgWrites);
        assertThat(filter.batches()).as("filter writes").hasSize(filterWrites);
        assertThat(dataPlane()).isEqualTo(before);
        assertThat(file).as("moved aside").doesNotExist();
        assertThat(((SavedView.SetAside) saved).movedTo()).exists();

        // The controller is back: its view (one machine fewer by now) converges from what is there.
        HostView fromController = view().toBuilder().setRevision(57).removeMachines(1).build();
        HostReconciler.Result converged = agent.run(fromController, false);
        assertThat(converged.changes()).as("only the machine the controller dropped changes").isNotEmpty()
                .allMatch(c -> c.contains("db") || c.contains(MachineNames.link("db")) || c.startsWith("filter: "));
        assertThat(net.transcript()).noneMatch(line -> line.contains("m-web") || line.contains(MachineNames.link("web")));
        assertThat(net.namespaces()).containsExactly("m-web");
        assertThat(wg.read()).isEqualTo(before.mesh());
    }

    @Test
    void withAGoodSavedFileTheRestoredPassAdoptsEverythingAndChangesNothing() throws Exception {
        net.clearTranscript();
        int wgWrites = wg.applied.size();
        DataPlanePass agent = restartedAgent();
        List<HostReconciler.Result> results = new ArrayList<>();
        SavedView saved = ViewRestore.restore(store, (view, why) -> results.add(agent.run(view, true)));

        assertThat(saved).isEqualTo(new SavedView.Trusted(dir.resolve("view.pb"), view()));
        assertThat(results).singleElement().satisfies(r -> assertThat(r.changes()).isEmpty());
        assertThat(net.transcript()).isEmpty();
        assertThat(wg.applied).hasSize(wgWrites);
    }

    @Test
    void withNoSavedFileNoPassRuns() throws Exception {
        Files.delete(dir.resolve("view.pb"));
        net.clearTranscript();
        List<HostView> restored = new ArrayList<>();
        assertThat(ViewRestore.restore(store, (view, why) -> restored.add(view))).isInstanceOf(SavedView.Absent.class);
        assertThat(restored).isEmpty();
        assertThat(net.transcript()).isEmpty();
    }
}

package dev.fleetnet.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.wireguard.FakeWireGuardDevice;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.netns.memory.InMemoryLinuxNetworking;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.Peer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciler against an in-memory kernel: what it changes, and that it changes nothing twice. */
class HostReconcilerTest {
    private static final WireGuardKey KEY = WireGuardKey.generate();
    private static final String PEER_KEY = WireGuardKey.generate().publicBase64();
    private final HostPlanner planner = new HostPlanner("wg0", "m-", 51820);
    private InMemoryLinuxNetworking net;
    private FakeWireGuardDevice wg;
    private HostReconciler reconciler;

    @BeforeEach
    void host() {
        net = new InMemoryLinuxNetworking();
        wg = new FakeWireGuardDevice("wg0", () -> net.addTap("wg0"));
        reconciler = new HostReconciler(net, wg, "m-");
    }

    private static HostView view(boolean webRunning, String peerEndpoint) {
        return HostView.newBuilder().setRevision(7).setHostName("h1").setHostNumber(1)
                .addPeers(Peer.newBuilder().setHostName("h2").setHostNumber(2).setPublicKey(PEER_KEY).setEndpoint(peerEndpoint)
                        .addAllowedIps("fdaa::2:0:0:0/80").addAllowedIps("fdaa:0:1:0:2::/80"))
                .addMachines(MachineSpec.newBuilder().setName("web").setNetworkNumber(1).setMachineNumber(1)
                        .setAddress("fdaa:0:1:0:1:0:1:0").setBackend(Backend.BACKEND_NETNS).setRunning(webRunning))
                .addMachines(MachineSpec.newBuilder().setName("vm").setNetworkNumber(1).setMachineNumber(2)
                        .setAddress("fdaa:0:1:0:1:0:2:0").setBackend(Backend.BACKEND_TAP).setRunning(true))
                .build();
    }

    private HostReconciler.Result apply(HostView view, boolean deep) throws Exception {
        return reconciler.reconcile(planner.host(view), planner.mesh(view, KEY), deep);
    }

    @Test
    void keepsTheDnsServiceAddressOnLoopbackAndPutsItBackWhenRemoved() throws Exception {
        HostPlanner withDns = new HostPlanner("wg0", "m-", 51820, java.util.List.of(AddressPlan.DNS_ADDRESS));
        HostView view = view(true, "[fd01::2]:51820");
        HostReconciler.Result first = reconciler.reconcile(withDns.host(view), withDns.mesh(view, KEY), false);
        assertThat(first.changes()).contains("service address fdaa::3 on lo");
        assertThat(net.addresses(null, "lo")).contains("fdaa::3/128");
        assertThat(reconciler.reconcile(withDns.host(view), withDns.mesh(view, KEY), true).noChanges()).isTrue();

        net.removeAddress(null, "lo", "fdaa::3/128");
        assertThat(reconciler.reconcile(withDns.host(view), withDns.mesh(view, KEY), true).changes())
                .containsExactly("service address fdaa::3 on lo");
    }

    @Test
    void buildsTheHostThenReportsNoChanges() throws Exception {
        HostReconciler.Result first = apply(view(true, "[fd01::2]:51820"), false);
        assertThat(first.noChanges()).isFalse();
        String link = MachineNames.link("web");
        assertThat(net.namespaces()).containsExactly("m-web");
        assertThat(net.addresses("m-web", "eth0")).containsExactly("fdaa:0:1:0:1:0:1:0/128");
        assertThat(net.routes("m-web")).containsExactly(Route.via("default", "fe80::1", "eth0"));
        assertThat(net.addresses(null, link)).containsExactly("fe80::1/64");
        assertThat(net.routes(null)).contains(Route.onLink("fdaa:0:1:0:1:0:1:0/128", link),
                Route.onLink("fdaa:0:1:0:1:0:2:0/128", MachineNames.link("vm")), Route.onLink("fdaa::/16", "wg0"));
        assertThat(net.addresses(null, "wg0")).containsExactly("fdaa::1:0:0:1/128");
        assertThat(net.sysctls(null)).containsEntry("net.ipv6.conf.all.forwarding", "1");
        assertThat(first.statuses()).extracting(MachineStatus::getState)
                .containsExactly(MachineState.MACHINE_STATE_RUNNING, MachineState.MACHINE_STATE_RUNNING);

        net.clearTranscript();
        assertThat(apply(view(true, "[fd01::2]:51820"), false).noChanges()).isTrue();
        assertThat(apply(view(true, "[fd01::2]:51820"), true).noChanges()).as("deep resync").isTrue();
        assertThat(net.transcript()).isEmpty();
        assertThat(wg.applied).hasSize(1);
    }

    @Test
    void aRestartedAgentAdoptsWhatExists() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        net.clearTranscript();
        HostReconciler restarted = new HostReconciler(net, wg, "m-");
        HostView view = view(true, "[fd01::2]:51820");
        assertThat(restarted.reconcile(planner.host(view), planner.mesh(view, KEY), true).noChanges()).isTrue();
        assertThat(net.transcript()).isEmpty();
    }

    @Test
    void anEndpointChangeSendsOnlyTheEndpoint() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        HostReconciler.Result moved = apply(view(true, "[fd01::9]:51820"), false);
        assertThat(moved.changes()).hasSize(1);
        assertThat(wg.applied.get(1)).containsExactly("public_key=" + WireGuardKey.base64ToHex(PEER_KEY),
                "update_only=true", "endpoint=[fd01::9]:51820");
    }

    @Test
    void stoppingKeepsTheNamespaceButTakesTheMachineOffTheNetwork() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        net.startProcess("m-web", 4242);
        net.clearTranscript();
        HostReconciler.Result stopped = apply(view(false, "[fd01::2]:51820"), false);
        String link = MachineNames.link("web");
        assertThat(net.transcript()).containsExactly("killProcesses m-web",
                "deleteRoute - fdaa:0:1:0:1:0:1:0/128 " + link, "deleteLink - " + link);
        assertThat(net.namespaces()).containsExactly("m-web");
        assertThat(net.processes("m-web")).isEmpty();
        assertThat(net.links(null)).noneMatch(l -> l.name().equals(MachineNames.link("web")));
        assertThat(net.routes(null)).noneMatch(r -> r.destination().startsWith("fdaa:0:1:0:1:0:1:0"));
        assertThat(stopped.statuses()).filteredOn(s -> s.getName().equals("web")).extracting(MachineStatus::getState)
                .containsExactly(MachineState.MACHINE_STATE_STOPPED);
        assertThat(apply(view(false, "[fd01::2]:51820"), false).noChanges()).isTrue();
    }

    @Test
    void aMachineGoneFromTheViewLeavesNothingBehindAndOthersAreUntouched() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        net.createNamespace("other-lab-machine");
        HostView empty = HostView.newBuilder().setRevision(8).setHostName("h1").setHostNumber(1).build();
        apply(empty, false);
        assertThat(net.namespaces()).containsExactly("other-lab-machine");
        assertThat(net.links(null)).noneMatch(l -> MachineNames.isMachineLink(l.name()));
        assertThat(net.routes(null)).containsExactly(Route.onLink("fdaa::/16", "wg0"));
        assertThat(wg.read().peers()).isEmpty();
    }

    @Test
    void aRenumberedHostAndMachineLoseTheirOldAddressesAndRoutes() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        HostView before = view(true, "[fd01::2]:51820");
        HostView renumbered = before.toBuilder().setHostNumber(3)
                .setMachines(0, before.getMachines(0).toBuilder().setAddress("fdaa:0:1:0:3:0:1:0")).build();
        apply(renumbered, false);
        String link = MachineNames.link("web");
        assertThat(net.addresses(null, "wg0")).containsExactly(AddressPlan.infraAddress(3) + "/128");
        assertThat(net.addresses("m-web", "eth0")).containsExactly("fdaa:0:1:0:3:0:1:0/128");
        assertThat(net.routes(null)).contains(Route.onLink("fdaa:0:1:0:3:0:1:0/128", link))
                .noneMatch(r -> r.destination().equals("fdaa:0:1:0:1:0:1:0/128"));
        assertThat(apply(renumbered, true).noChanges()).isTrue();
    }

    @Test
    void aMachineThatChangesBackendGetsTheOtherKindOfLink() throws Exception {
        apply(view(true, "[fd01::2]:51820"), false);
        HostView before = view(true, "[fd01::2]:51820");
        HostView asTap = before.toBuilder().setMachines(0, before.getMachines(0).toBuilder().setBackend(Backend.BACKEND_TAP)).build();
        apply(asTap, false);
        String link = MachineNames.link("web");
        assertThat(net.links(null)).filteredOn(l -> l.name().equals(link)).extracting(l -> l.kind()).containsExactly("tun");
        assertThat(net.namespaces()).as("a TAP machine has no namespace").isEmpty();
        assertThat(net.routes(null)).contains(Route.onLink("fdaa:0:1:0:1:0:1:0/128", link));
        assertThat(apply(asTap, true).noChanges()).isTrue();
    }

    @Test
    void linkNamesFitIfnamsizAndAreRecognised() {
        assertThat(MachineNames.link("a-very-long-machine-name-that-goes-on")).hasSize(14).startsWith("fm");
        assertThat(MachineNames.isMachineLink(MachineNames.link("x"))).isTrue();
        assertThat(MachineNames.isMachineLink("fmxyz")).isFalse();
        assertThat(MachineNames.isMachineLink("eth0")).isFalse();
    }
}

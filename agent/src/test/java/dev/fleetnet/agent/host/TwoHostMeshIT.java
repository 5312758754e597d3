package dev.fleetnet.agent.host;

import static dev.fleetnet.agent.Sandbox.exec;
import static dev.fleetnet.agent.Sandbox.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.agent.state.SavedView;
import dev.fleetnet.agent.state.StateStore;
import dev.fleetnet.agent.wireguard.UserspaceWireGuard;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two test "hosts" (namespaces joined by a veth with a ULA underlay), each with a real
 * wireguard-go mesh device and real machine namespaces built by the reconciler through
 * iproute2: machines talk across the mesh, and a restarted agent changes nothing.
 */
class TwoHostMeshIT {
    private static final Duration PING_DEADLINE = Duration.ofSeconds(15);
    private final Sandbox sandbox = new Sandbox();
    /** A random /32 written canonically (no leading zeros, no zero hextet), as wg prints it back. */
    private final String underlay = "fd%02x:%x".formatted(ThreadLocalRandom.current().nextInt(256),
            ThreadLocalRandom.current().nextInt(1, 0x10000));
    @TempDir
    Path stateDir;
    private TestHost a;
    private TestHost b;

    /** One host: its namespace, state directory and the agent's parts as the agent builds them. */
    private final class TestHost {
        final int number;
        final String namespace;
        final String mesh;
        final String netnsPrefix;
        final StateStore state;
        final WireGuardKey key;
        final HostPlanner planner;
        HostReconciler reconciler;

        TestHost(int number, String letter) throws Exception {
            this.number = number;
            this.namespace = sandbox.namespace("-h" + letter);
            this.mesh = sandbox.prefix() + "w" + letter;
            this.netnsPrefix = sandbox.prefix() + "-" + letter + "-";
            this.state = new StateStore(stateDir.resolve(letter), "h" + letter);
            this.key = state.key();
            this.planner = new HostPlanner(mesh, netnsPrefix, 51820);
            sandbox.wireguard(namespace, mesh);
            restartAgent();
        }

        /** A new reconciler over the same kernel state and the same wireguard-go, as after an agent restart. */
        void restartAgent() {
            reconciler = new HostReconciler(new IpRouteNetworking(new IpRouteNetworking.Config(namespace)), new UserspaceWireGuard(
                    new UserspaceWireGuard.Settings(mesh, UserspaceWireGuard.DEFAULT_SOCKET_DIRECTORY, namespace)), netnsPrefix);
        }

        HostReconciler.Result apply(HostView view, boolean deep) throws Exception {
            HostReconciler.Result result = reconciler.reconcile(planner.host(view), planner.mesh(view, key), deep);
            state.saveView(view);
            return result;
        }

        Peer asPeer(String endpoint) {
            return Peer.newBuilder().setHostName("h" + number).setHostNumber(number).setPublicKey(key.publicBase64())
                    .setEndpoint(endpoint).addAllowedIps(AddressPlan.hostPrefix(0, number)).addAllowedIps(AddressPlan.hostPrefix(1, number))
                    .build();
        }

        String wgDump() {
            return run("ip", "netns", "exec", namespace, "wg", "show", mesh, "dump");
        }
    }

    @BeforeEach
    void hosts() throws Exception {
        a = new TestHost(1, "a");
        b = new TestHost(2, "b");
        run("ip", "link", "add", sandbox.prefix() + "ua", "netns", a.namespace, "type", "veth",
                "peer", "name", sandbox.prefix() + "ub", "netns", b.namespace);
        run("ip", "-n", a.namespace, "addr", "add", underlay + "::1/64", "dev", sandbox.prefix() + "ua", "nodad");
        run("ip", "-n", b.namespace, "addr", "add", underlay + "::2/64", "dev", sandbox.prefix() + "ub", "nodad");
        run("ip", "-n", a.namespace, "link", "set", sandbox.prefix() + "ua", "up");
        run("ip", "-n", b.namespace, "link", "set", sandbox.prefix() + "ub", "up");
    }

    @AfterEach
    void cleanUp() {
        sandbox.close();
    }

    private static MachineSpec machine(String name, int host, int number, boolean running, Backend backend) {
        return MachineSpec.newBuilder().setName(name).setNetwork("n1").setNetworkNumber(1).setMachineNumber(number)
                .setAddress(AddressPlan.machineAddress(1, host, number)).setBackend(backend).setRunning(running).build();
    }

    private HostView viewOfA(long revision, String bEndpoint, MachineSpec... machines) {
        return HostView.newBuilder().setRevision(revision).setHostName("h1").setHostNumber(1)
                .addPeers(b.asPeer(bEndpoint)).addAllMachines(List.of(machines)).build();
    }

    private HostView viewOfB(long revision, MachineSpec... machines) {
        return HostView.newBuilder().setRevision(revision).setHostName("h2").setHostNumber(2)
                .addPeers(a.asPeer("[" + underlay + "::1]:51820")).addAllMachines(List.of(machines)).build();
    }

    private boolean pings(String fromNamespace, String address) {
        return exec("ip", "netns", "exec", fromNamespace, "ping", "-6", "-c1", "-W2", address).exitCode() == 0;
    }

    private void assertPingsWithin(String fromNamespace, String address) {
        assertThat(Sandbox.await(PING_DEADLINE, () -> pings(fromNamespace, address)))
                .as("ping from %s to %s within %s", fromNamespace, address, PING_DEADLINE).isTrue();
    }

    @Test
    void machinesOnTwoHostsTalkOverTheMeshAndAnEndpointMoveKeepsTheSession() throws Exception {
        MachineSpec web = machine("web", 1, 1, true, Backend.BACKEND_NETNS);
        MachineSpec vm = machine("vm", 1, 2, true, Backend.BACKEND_TAP);
        MachineSpec db = machine("db", 2, 1, true, Backend.BACKEND_NETNS);
        String bEndpoint = "[" + underlay + "::2]:51820";
        assertThat(a.apply(viewOfA(1, bEndpoint, web, vm), false).noChanges()).isFalse();
        assertThat(b.apply(viewOfB(1, db), false).noChanges()).isFalse();

        assertThat(a.apply(viewOfA(1, bEndpoint, web, vm), false).changes()).as("second pass").isEmpty();
        assertThat(a.apply(viewOfA(1, bEndpoint, web, vm), true).changes()).as("deep second pass").isEmpty();
        assertThat(b.apply(viewOfB(1, db), true).changes()).isEmpty();

        IpRouteNetworking hostA = new IpRouteNetworking(new IpRouteNetworking.Config(a.namespace));
        String tap = MachineNames.link("vm");
        assertThat(hostA.links(null)).anyMatch(l -> l.name().equals(tap) && l.kind().equals("tun"));
        assertThat(hostA.addresses(null, tap)).contains("fe80::1/64");
        assertThat(hostA.routes(null)).contains(Route.onLink(vm.getAddress() + "/128", tap), Route.onLink("fdaa::/16", a.mesh));
        assertThat(hostA.addresses(null, a.mesh)).contains(AddressPlan.infraAddress(1) + "/128");

        String webNs = a.netnsPrefix + "web";
        String dbNs = b.netnsPrefix + "db";
        assertPingsWithin(webNs, db.getAddress());
        assertPingsWithin(dbNs, web.getAddress());
        assertPingsWithin(webNs, AddressPlan.infraAddress(2));

        // B gains a second underlay address and A is told to use it: only the endpoint changes.
        run("ip", "-n", b.namespace, "addr", "add", underlay + "::22/64", "dev", sandbox.prefix() + "ub", "nodad");
        String before = peerLine(a.wgDump(), b.key);
        String handshake = before.split("\t")[4];
        assertThat(handshake).as("a handshake happened").isNotEqualTo("0");
        HostReconciler.Result moved = a.apply(viewOfA(2, "[" + underlay + "::22]:51820", web, vm), false);
        assertThat(moved.changes()).hasSize(1).first().asString().startsWith("mesh:");
        String after = peerLine(a.wgDump(), b.key);
        assertThat(after.split("\t")[2]).isEqualTo("[" + underlay + "::22]:51820");
        assertThat(after.split("\t")[3]).as("allowed IPs").isEqualTo(before.split("\t")[3]);
        assertThat(after.split("\t")[4]).as("latest handshake kept").isEqualTo(handshake);
        assertPingsWithin(webNs, db.getAddress());
    }

    @Test
    void aRestartedAgentAdoptsWhatExistsAndRemovesOnlyLeftovers() throws Exception {
        MachineSpec web = machine("web", 1, 1, true, Backend.BACKEND_NETNS);
        MachineSpec db = machine("db", 2, 1, true, Backend.BACKEND_NETNS);
        String bEndpoint = "[" + underlay + "::2]:51820";
        a.apply(viewOfA(1, bEndpoint, web), false);
        b.apply(viewOfB(1, db), false);
        String webNs = a.netnsPrefix + "web";
        assertPingsWithin(webNs, db.getAddress());
        List<Long> daemon = Sandbox.pids(a.namespace);
        String peers = a.wgDump();

        // The restarted agent: same state directory, new objects; it restores the saved view.
        StateStore restored = new StateStore(stateDir.resolve("a"), "ha");
        assertThat(restored.key()).isEqualTo(a.key);
        HostView saved = ((SavedView.Trusted) restored.lastView()).view();
        a.restartAgent();
        assertThat(a.apply(saved, true).changes()).as("restart over the same state").isEmpty();
        assertThat(Sandbox.pids(a.namespace)).as("wireguard-go kept").isEqualTo(daemon);
        assertThat(withoutCounters(a.wgDump())).as("peers untouched").isEqualTo(withoutCounters(peers));
        assertThat(pings(webNs, db.getAddress())).isTrue();

        // Leftovers of this agent's naming that the view does not have are removed; others are not.
        IpRouteNetworking hostA = new IpRouteNetworking(new IpRouteNetworking.Config(a.namespace));
        hostA.createNamespace(a.netnsPrefix + "ghost");
        hostA.addVeth(MachineNames.link("ghost"), "eth0", a.netnsPrefix + "ghost");
        hostA.createNamespace(sandbox.prefix() + "-other");
        a.restartAgent();
        assertThat(a.apply(saved, true).changes()).containsExactlyInAnyOrder(
                "removed link " + MachineNames.link("ghost"), "removed namespace " + a.netnsPrefix + "ghost");
        assertThat(hostA.namespaces()).contains(sandbox.prefix() + "-other", webNs).doesNotContain(a.netnsPrefix + "ghost");

        // Stopped: off the network, namespace kept. Gone from the view: namespace gone.
        a.apply(viewOfA(2, bEndpoint, web.toBuilder().setRunning(false).build()), false);
        assertThat(hostA.namespaces()).contains(webNs);
        assertThat(hostA.links(null)).noneMatch(l -> l.name().equals(MachineNames.link("web")));
        assertThat(hostA.routes(null)).noneMatch(r -> r.destination().startsWith(web.getAddress()));
        assertThat(pings(b.netnsPrefix + "db", web.getAddress())).as("a stopped machine answers no ping").isFalse();
        a.apply(viewOfA(3, bEndpoint), false);
        assertThat(hostA.namespaces()).doesNotContain(webNs);
        a.restartAgent();
        assertThat(a.apply(viewOfA(3, bEndpoint), true).changes()).isEmpty();
    }

    private static String peerLine(String dump, WireGuardKey peer) {
        return dump.lines().filter(l -> l.startsWith(peer.publicBase64() + "\t")).findFirst()
                .orElseThrow(() -> new AssertionError("no peer " + peer.publicBase64() + " in:\n" + dump));
    }

    /** A dump with the transfer counters blanked (traffic may flow between two reads). */
    private static String withoutCounters(String dump) {
        return String.join("\n", dump.lines().map(l -> {
            String[] f = l.split("\t");
            if (f.length == 8) {
                f[5] = "-";
                f[6] = "-";
            }
            return String.join("\t", f);
        }).toList());
    }
}

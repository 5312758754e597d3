package dev.fleetnet.agent.wireguard;

import static dev.fleetnet.agent.Sandbox.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.agent.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real wireguard-go, started by our code inside a test namespace and configured over UAPI;
 * read back with our client and with wireguard-tools' {@code wg}.
 */
class UserspaceWireGuardIT {
    private final Sandbox sandbox = new Sandbox();
    private String namespace;
    private String device;
    private UserspaceWireGuard wg;

    @BeforeEach
    void create() {
        namespace = sandbox.namespace("-wg");
        device = sandbox.prefix() + "wg";
        sandbox.wireguard(namespace, device);
        wg = new UserspaceWireGuard(new UserspaceWireGuard.Settings(device, UserspaceWireGuard.DEFAULT_SOCKET_DIRECTORY, namespace));
    }

    @AfterEach
    void remove() {
        sandbox.close();
    }

    @Test
    void startsOnceInItsNamespaceAndAnAnsweringDeviceIsKept() throws Exception {
        assertThat(wg.ensure()).isTrue();
        List<Long> daemon = Sandbox.pids(namespace);
        assertThat(daemon).as("wireguard-go runs in the namespace").hasSize(1);
        assertThat(run("ip", "-n", namespace, "-d", "link", "show", device)).contains("tun");
        assertThat(Sandbox.exec("ip", "link", "show", device).exitCode()).as("not in the test's own namespace").isNotZero();

        UserspaceWireGuard again = new UserspaceWireGuard(new UserspaceWireGuard.Settings(device,
                UserspaceWireGuard.DEFAULT_SOCKET_DIRECTORY, namespace));
        assertThat(again.ensure()).as("a second agent finds the device answering").isFalse();
        assertThat(Sandbox.pids(namespace)).isEqualTo(daemon);
    }

    @Test
    void configuresReadsBackAndChangesOnlyTheEndpoint() throws Exception {
        wg.ensure();
        WireGuardKey self = WireGuardKey.generate();
        String peerA = WireGuardKey.base64ToHex(WireGuardKey.generate().publicBase64());
        String peerB = WireGuardKey.base64ToHex(WireGuardKey.generate().publicBase64());
        MeshConfig desired = new MeshConfig(self.privateHex(), 51820, Map.of(
                peerA, new MeshConfig.Peer("[fd01::2]:51820", new TreeSet<>(List.of("fdaa::2:0:0:0/80", "fdaa:0:1:0:2::/80"))),
                peerB, new MeshConfig.Peer("[fd01::3]:51820", new TreeSet<>(List.of("fdaa::3:0:0:0/80")))));
        wg.apply(MeshPlan.between(wg.read(), desired));
        assertThat(wg.read()).isEqualTo(desired);
        assertThat(MeshPlan.between(wg.read(), desired)).isEqualTo(MeshPlan.NO_CHANGES);

        String dump = wgDump();
        assertThat(dump.lines().findFirst().orElseThrow()).startsWith(self.privateBase64() + "\t" + self.publicBase64() + "\t51820");
        assertThat(peerLine(dump, peerA)).startsWith(WireGuardKey.hexToBase64(peerA)
                + "\t(none)\t[fd01::2]:51820\tfdaa:0:1:0:2::/80,fdaa::2:0:0:0/80\t0\t0\t0\toff");

        // Settings fleetnet does not manage (set behind its back here) must survive an endpoint-only change.
        String psk = WireGuardKey.generate().privateHex();
        wg.uapi().set(List.of("public_key=" + peerA, "update_only=true", "preshared_key=" + psk, "persistent_keepalive_interval=0"));
        String before = peerLine(wgDump(), peerA);

        MeshConfig moved = new MeshConfig(self.privateHex(), 51820, Map.of(
                peerA, new MeshConfig.Peer("[fd01::9]:51820", desired.peers().get(peerA).allowedIps())));
        List<String> plan = MeshPlan.between(wg.read(), moved);
        assertThat(plan).containsExactly("public_key=" + peerB, "remove=true",
                "public_key=" + peerA, "update_only=true", "endpoint=[fd01::9]:51820");
        wg.apply(plan);
        assertThat(wg.read()).isEqualTo(moved);
        assertThat(peerLine(wgDump(), peerA)).isEqualTo(before.replace("[fd01::2]:51820", "[fd01::9]:51820"))
                .contains(WireGuardKey.hexToBase64(psk));
    }

    @Test
    void refusedSetsNameTheErrnoAndTheOperation() throws Exception {
        wg.ensure();
        assertThatThrownBy(() -> wg.apply(List.of("listen_port=notaport")))
                .isInstanceOf(IOException.class).hasMessageContaining("UAPI set").hasMessageMatching("(?s).*errno=-?[1-9][0-9]* .*");
        UapiClient nobody = new UapiClient(Path.of("/var/run/wireguard", sandbox.prefix() + "none.sock"));
        assertThat(nobody.answers()).isFalse();
        assertThatThrownBy(nobody::get).isInstanceOf(IOException.class);
    }

    private String wgDump() {
        return run("ip", "netns", "exec", namespace, "wg", "show", device, "dump");
    }

    private static String peerLine(String dump, String peerHex) {
        String base64 = WireGuardKey.hexToBase64(peerHex);
        return dump.lines().filter(l -> l.startsWith(base64 + "\t")).findFirst().orElseThrow(() ->
                new AssertionError("no peer " + base64 + " in:\n" + dump));
    }
}

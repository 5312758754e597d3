package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real wireguard-go, configured by our UAPI client from inside a test namespace; read back
 * with our client and with wireguard-tools' {@code wg}.
 */
class UserspaceWireGuardIT {
    private final String suffix = randomLetters(4);
    private final String namespace = "t" + suffix + "-wg";
    private final String device = "t" + suffix + "wg";
    private final dev.fleetnet.netns.NamespaceRunner runner = new dev.fleetnet.netns.NamespaceRunner();

    @BeforeEach
    void create() throws Exception {
        run("ip", "netns", "add", namespace);
    }

    @AfterEach
    void remove() throws Exception {
        runner.close();
        run("ip", "netns", "delete", namespace); // takes the interface, and so wireguard-go, with it
        java.nio.file.Files.deleteIfExists(Path.of("/var/run/wireguard", device + ".sock"));
    }

    @Test
    void configuresReadsBackAndChangesOnlyWhatDiffers() throws Exception {
        UserspaceWireGuard wg = new UserspaceWireGuard(device, Path.of("/var/run/wireguard"));
        // wireguard-go creates its TUN in the namespace of whoever starts it: start it from inside.
        assertThat(inside(wg::ensure)).isTrue();
        assertThat(inside(wg::ensure)).as("an existing device is kept").isFalse();

        WireGuardKey self = WireGuardKey.generate();
        String peerA = WireGuardKey.base64ToHex(WireGuardKey.generate().publicBase64());
        String peerB = WireGuardKey.base64ToHex(WireGuardKey.generate().publicBase64());
        MeshConfig desired = new MeshConfig(self.privateHex(), 51820, Map.of(
                peerA, new MeshConfig.Peer("[fd01::2]:51820", new TreeSet<>(List.of("fdaa::2:0:0:0/80", "fdaa:0:1:0:2::/80"))),
                peerB, new MeshConfig.Peer("[fd01::3]:51820", new TreeSet<>(List.of("fdaa::3:0:0:0/80")))));
        wg.apply(MeshPlan.between(wg.read(), desired));
        assertThat(wg.read()).isEqualTo(desired);
        assertThat(MeshPlan.between(wg.read(), desired)).isEmpty();

        String dump = run("ip", "netns", "exec", namespace, "wg", "show", device, "dump");
        assertThat(dump).contains(WireGuardKey.hexToBase64(peerA) + "\t(none)\t[fd01::2]:51820\tfdaa:0:1:0:2::/80,fdaa::2:0:0:0/80");
        assertThat(dump.lines().findFirst().orElseThrow()).startsWith(self.privateBase64() + "\t" + self.publicBase64() + "\t51820");

        MeshConfig moved = new MeshConfig(self.privateHex(), 51820, Map.of(
                peerA, new MeshConfig.Peer("[fd01::9]:51820", desired.peers().get(peerA).allowedIps())));
        List<String> plan = MeshPlan.between(wg.read(), moved);
        assertThat(plan).containsExactly("public_key=" + peerB, "remove=true",
                "public_key=" + peerA, "update_only=true", "endpoint=[fd01::9]:51820");
        wg.apply(plan);
        assertThat(wg.read()).isEqualTo(moved);
    }

    private <T> T inside(Callable<T> task) throws Exception {
        return runner.call(namespace, task);
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + out);
        }
        return out;
    }

    private static String randomLetters(int n) {
        Random random = new Random();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }
}

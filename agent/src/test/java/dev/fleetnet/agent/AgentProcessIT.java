package dev.fleetnet.agent;

import static dev.fleetnet.agent.Sandbox.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.state.StateStore;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.agent.identity.TestIdentity;
import dev.fleetnet.identity.JoinTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a process in a test host namespace, with no controller reachable: it restores
 * its last view from the state directory and the machines can talk; stopping it leaves the data
 * plane running, and a restarted agent finds nothing to change.
 */
class AgentProcessIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private final Sandbox sandbox = new Sandbox();
    @TempDir
    Path dir;
    private String host;
    private String mesh;
    private String netnsPrefix;
    private Process agent;

    @BeforeEach
    void host() {
        host = sandbox.namespace("-h1");
        mesh = sandbox.prefix() + "w1";
        netnsPrefix = sandbox.prefix() + "-m-";
        sandbox.wireguard(host, mesh);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (agent != null && agent.isAlive()) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            sandbox.close();
        }
    }

    @Test
    void restoresTheLastViewWithTheControllerDownAndARestartChangesNothing() throws Exception {
        Path state = dir.resolve("state");
        MachineSpec web = machine("web", 1);
        MachineSpec db = machine("db", 2);
        String peerKey = WireGuardKey.generate().publicBase64();
        new StateStore(state, "h1").saveView(HostView.newBuilder().setRevision(41).setHostName("h1").setHostNumber(1)
                .addPeers(Peer.newBuilder().setHostName("h2").setHostNumber(2).setPublicKey(peerKey).setEndpoint("[fd00:dead::2]:51820")
                        .addAllowedIps(AddressPlan.hostPrefix(0, 2)))
                .addMachines(web).addMachines(db).build());

        Path log1 = dir.resolve("agent-1.log");
        agent = start(state, log1);
        awaitLog(log1, "view at revision 41 (restored from");
        assertThat(Files.readString(log1)).contains("no kernel WireGuard: using userspace wireguard-go for " + mesh);
        assertThat(Sandbox.await(DEADLINE, () -> pings(netnsPrefix + "web", db.getAddress()))).as("web pings db").isTrue();
        String dump = Sandbox.run("ip", "netns", "exec", host, "wg", "show", mesh, "dump");
        WireGuardKey key = new StateStore(state, "h1").key();
        assertThat(dump.lines().findFirst().orElseThrow()).startsWith(key.privateBase64() + "\t" + key.publicBase64() + "\t51820");
        assertThat(dump).contains(peerKey + "\t(none)\t[fd00:dead::2]:51820\t" + AddressPlan.hostPrefix(0, 2));

        List<Long> daemons = Sandbox.pids(host).stream().filter(pid -> pid != agent.pid()).toList();
        agent.destroy(); // SIGTERM: the agent stops, the data plane stays
        assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Sandbox.pids(host)).as("wireguard-go outlives the agent").containsExactlyElementsOf(daemons);
        assertThat(pings(netnsPrefix + "db", web.getAddress())).isTrue();

        Path log2 = dir.resolve("agent-2.log");
        agent = start(state, log2);
        awaitLog(log2, "view at revision 41 (restored from " + state + "): no changes");
        assertThat(Sandbox.pids(host).stream().filter(pid -> pid != agent.pid()).toList()).isEqualTo(daemons);
        assertThat(Files.readString(log2)).doesNotContain("started wireguard-go");
    }

    private Process start(Path state, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // target/lib holds the runtime dependencies (copied at package, before the ITs run).
        String classpath = Path.of("target", "classes").toAbsolutePath() + ":" + Path.of("target", "lib").toAbsolutePath() + "/*";
        // no controller answers: the agent keeps trying to join while it forwards on its saved view
        Path ca = Files.exists(dir.resolve("host-ca.pem")) ? dir.resolve("host-ca.pem") : new TestIdentity().caFile(dir);
        Path token = Files.writeString(dir.resolve("join-token"), JoinTokens.generate().text() + "\n");
        return new ProcessBuilder("nsenter", "--net=/var/run/netns/" + host, java, "--enable-native-access=ALL-UNNAMED",
                "-Xmx96m", "-cp", classpath, "dev.fleetnet.agent.AgentMain",
                "--host-name", "h1", "--controller", "[::1]:9", "--ca-file", ca.toString(), "--join-token-file", token.toString(),
                "--endpoint", "[fd00:dead::1]:51820", "--mesh-interface", mesh, "--netns-prefix", netnsPrefix,
                "--state-dir", state.toString(), "--ingress-listen", "none", "--resync-interval", "2s")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitLog(Path log, String line) throws IOException {
        boolean seen = Sandbox.await(DEADLINE, () -> {
            try {
                return Files.readString(log).contains(line);
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(seen).as("agent log has '%s'; log:%n%s", line, Files.readString(log)).isTrue();
    }

    private static boolean pings(String fromNamespace, String address) {
        return exec("ip", "netns", "exec", fromNamespace, "ping", "-6", "-c1", "-W2", address).exitCode() == 0;
    }

    private static MachineSpec machine(String name, int number) {
        return MachineSpec.newBuilder().setName(name).setNetworkNumber(1).setMachineNumber(number)
                .setAddress(AddressPlan.machineAddress(1, 1, number)).setBackend(Backend.BACKEND_NETNS).setRunning(true).build();
    }
}

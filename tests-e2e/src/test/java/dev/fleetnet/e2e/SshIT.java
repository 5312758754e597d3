package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddSshKeyRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteSshKeyRequest;
import dev.fleetnet.proto.v1.GetKnownHostsRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshMode;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * SSH to machines on a real 2-host lab with the OpenSSH client a user has ({@code ssh}, {@code scp},
 * {@code ssh-keygen}), run from the underlay namespace ("the internet") against host 1's port 22.
 * The one known_hosts line is what {@code fleetnet ssh known-hosts} prints, with StrictHostKeyChecking.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static LabFixture fixture;
    private static String internet;
    private static String host1;
    private static Path dir;
    private static Path knownHosts;
    private static Path alice;
    private static final List<Process> background = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(2, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        host1 = new LabLayout("x", 2).hostUnderlayAddress(1);
        dir = Files.createTempDirectory("fleetnet-ssh-it-");
        alice = dir.resolve("alice");
        assertThat(Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", alice.toString())).ok()).isTrue();
        try (FleetClient client = fixture.client()) {
            int demo = client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesCount();
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h1").addPorts(8080).build());
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("db").setHost("h1").build());
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("far").setHost("h2").build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, demo + 3);
            background.add(MachineServerLauncher.start(client, "web", dir.resolve("web.log")));
            knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, cli("ssh", "known-hosts") + "\n");
            assertThat(Files.readString(knownHosts)).startsWith("@cert-authority * ssh-ed25519 ");
            assertThat(cli("ssh", "key", "add", "alice", "--key-file", alice + ".pub", "--machine", "web")).contains("alice");
        }
    }

    @AfterAll
    static void stopLab() {
        background.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Runs {@code fleetnet ...} in-process against the lab's controller; returns stdout, or "" (stderr kept) on failure. */
    private static String cli(String... args) {
        LabFixture.CliResult r = fixture.cli(args);
        return r.code() == 0 ? r.out().strip() : "";
    }

    private static List<String> ssh(Path key, String... rest) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", internet, "ssh", "-F", "/dev/null",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-i", key.toString()));
        command.addAll(List.of(rest));
        return command;
    }

    @Test
    @Order(1)
    void aCommandsOutputAndExitStatus() {
        Shell.Result r = Shell.run(ssh(alice, "web@" + host1, "echo hi; exit 3"));
        assertThat(r.output()).isEqualTo("hi\n");
        assertThat(r.exitCode()).isEqualTo(3);
        Shell.Result where = Shell.run(ssh(alice, "web@" + host1, "ip -6 -o addr show scope global"));
        assertThat(where.output()).as("runs in the machine's network namespace").contains("fdaa:");
    }

    @Test
    @Order(2)
    void aPtySeesTheWindowSize() {
        // script gives ssh a terminal of 33x111; ssh -tt passes its size on, and stty inside the machine reads it
        List<String> ssh = ssh(alice, "-tt", "web@" + host1);
        String line = String.join(" ", ssh.subList(4, ssh.size())) + " 'stty size; tty'";
        Shell.Result r = Shell.inNamespace(internet, "script", "-qec", "stty rows 33 cols 111; " + line, "/dev/null");
        assertThat(r.output()).contains("33 111").contains("/dev/pts/");
    }

    @Test
    @Order(3)
    void scpCopiesInAndOut() throws Exception {
        Path local = dir.resolve("payload.txt");
        Files.writeString(local, "payload " + System.nanoTime() + "\n".repeat(3));
        String remote = dir.resolve("copied-in.txt").toString(); // a netns machine shares the host's filesystem
        List<String> scpIn = new ArrayList<>(List.of("ip", "netns", "exec", internet, "scp", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", alice.toString(),
                local.toString(), "web@[" + host1 + "]:" + remote));
        Shell.Result in = Shell.run(scpIn);
        assertThat(in.exitCode()).as(in.output()).isZero();
        assertThat(Files.readString(Path.of(remote))).isEqualTo(Files.readString(local));
        Path back = dir.resolve("copied-out.txt");
        List<String> scpOut = new ArrayList<>(scpIn.subList(0, scpIn.size() - 2));
        scpOut.addAll(List.of("web@[" + host1 + "]:" + remote, back.toString()));
        Shell.Result out = Shell.run(scpOut);
        assertThat(out.exitCode()).as(out.output()).isZero();
        assertThat(Files.readString(back)).isEqualTo(Files.readString(local));
    }

    @Test
    @Order(4)
    void localForwardReachesTheMachinesPort() throws Exception {
        Process tunnel = new ProcessBuilder(ssh(alice, "-N", "-o", "ExitOnForwardFailure=yes", "-L", "127.0.0.1:18080:localhost:8080",
                "web@" + host1)).redirectErrorStream(true).start();
        background.add(tunnel);
        Shell.inNamespace(internet, "ip", "link", "set", "lo", "up");
        String[] body = {""};
        Deadline.await("curl through ssh -L", DEADLINE, () -> {
            body[0] = Shell.inNamespace(internet, "curl", "-s", "--max-time", "5", "http://127.0.0.1:18080/").output();
            return body[0].contains("hello from web");
        }, () -> body[0]);
        tunnel.destroy();
        // anywhere but the machine itself is refused (-W opens one direct-tcpip channel, as -L does per connection)
        Shell.Result elsewhere = Shell.run(ssh(alice, "-W", "[" + host1 + "]:22", "web@" + host1));
        assertThat(elsewhere.exitCode()).isEqualTo(255);
        assertThat(elsewhere.output()).contains("open failed");
    }

    @Test
    @Order(5)
    void refusalsSayWhy() throws Exception {
        Shell.Result unknown = Shell.run(ssh(alice, "nope@" + host1, "true"));
        assertThat(unknown.exitCode()).isEqualTo(255);
        assertThat(unknown.output()).contains("no machine named 'nope'");
        Shell.Result scoped = Shell.run(ssh(alice, "db@" + host1, "true"));
        assertThat(scoped.exitCode()).isEqualTo(255);
        assertThat(scoped.output()).contains("key 'alice' is scoped to machine 'web'");
        Shell.Result other = Shell.run(ssh(alice, "far@" + host1, "true"));
        assertThat(other.output()).contains("scoped to machine 'web'");
        Path carol = dir.resolve("carol");
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", carol.toString()));
        assertThat(cli("ssh", "key", "add", "carol", "--key-file", carol + ".pub", "--network", "default")).contains("carol");
        Shell.Result[] relayed = {null};
        Deadline.await("carol's key to reach host 1", DEADLINE, () -> (relayed[0] = Shell.run(ssh(carol, "far@" + host1,
                "echo relayed; exit 4"))).output().contains("relayed"), () -> relayed[0].output());
        // far runs on h2: host 1 relays the session over the infrastructure network, and h2 runs it
        assertThat(relayed[0].output()).isEqualTo("relayed\n");
        assertThat(relayed[0].exitCode()).isEqualTo(4);
        List<String> ssh = ssh(carol, "-tt", "far@" + host1);
        String line = String.join(" ", ssh.subList(4, ssh.size())) + " 'stty size'";
        Shell.Result pty = Shell.inNamespace(internet, "script", "-qec", "stty rows 21 cols 77; " + line, "/dev/null");
        assertThat(pty.output()).as("the PTY's size crosses the relay").contains("21 77");
        Path mallory = dir.resolve("mallory");
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", mallory.toString()));
        Shell.Result wrong = Shell.run(ssh(mallory, "web@" + host1, "true"));
        assertThat(wrong.exitCode()).isEqualTo(255);
        assertThat(wrong.output()).contains("Permission denied (publickey)").doesNotContain("machine");
        Shell.Result remote = Shell.run(ssh(alice, "-o", "ExitOnForwardFailure=yes", "-R", "19999:localhost:22", "web@" + host1, "true"));
        assertThat(remote.exitCode()).isEqualTo(255);
        assertThat(remote.output()).contains("remote port forwarding failed");
        // without ExitOnForwardFailure the session goes on, and says why the forward is not there
        Shell.Result remoteNote = Shell.run(ssh(alice, "-R", "19999:localhost:22", "web@" + host1, "echo ran"));
        assertThat(remoteNote.exitCode()).isZero();
        assertThat(remoteNote.output()).contains("fleetnet: remote forwarding (-R) is refused").contains("ran");
        List<String> forwardingAgent = ssh(alice, "-A", "web@" + host1, "echo ran; echo \"agent=${SSH_AUTH_SOCK:-none}\"");
        List<String> withAgent = new ArrayList<>(List.of("ssh-agent")); // runs ssh with an agent to forward
        withAgent.addAll(forwardingAgent.subList(4, forwardingAgent.size())); // from "ssh" on, in the same namespace
        Shell.Result agentNote = Shell.inNamespace(internet, withAgent.toArray(String[]::new));
        assertThat(agentNote.output()).contains("fleetnet: agent forwarding (-A) is refused").contains("agent=none");
    }

    @Test
    @Order(6)
    void aHostOutsideTheFleetFailsStrictHostKeyChecking() throws Exception {
        Process impostor = new ProcessBuilder("ip", "netns", "exec", fixture.lab.layout().hostNamespace(1),
                ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                ForeignSshServer.class.getName(), host1, "2222").redirectErrorStream(true).start();
        background.add(impostor);
        BufferedReader out = new BufferedReader(new InputStreamReader(impostor.getInputStream(), StandardCharsets.UTF_8));
        String ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.equals("ready")) {
                        return line;
                    }
                }
            } catch (java.io.IOException e) {
                return null;
            }
            return null;
        }).get(60, TimeUnit.SECONDS);
        assertThat(ready).isEqualTo("ready");
        Shell.Result r = Shell.run(ssh(alice, "-p", "2222", "web@" + host1, "true"));
        assertThat(r.exitCode()).isEqualTo(255);
        assertThat(r.output()).contains("Host key verification failed");
        impostor.destroyForcibly();
    }

    @Test
    @Order(7)
    void shortLivedCertificatesFromSshIssue() throws Exception {
        Path issued = dir.resolve("issued");
        assertThat(cli("ssh", "issue", "--machine", "web", "--ttl", "1h", "--out", issued.toString())).contains("valid until");
        assertThat(issued.resolve("id_ed25519-cert.pub")).exists();
        Shell.Result r = Shell.run(ssh(issued.resolve("id_ed25519"), "web@" + host1, "echo certified"));
        assertThat(r.output()).as(r.output()).isEqualTo("certified\n");
        Path brief = dir.resolve("brief");
        assertThat(cli("ssh", "issue", "--machine", "web", "--ttl", "1s", "--out", brief.toString())).contains("valid until");
        Shell.Result[] last = {null};
        Deadline.await("the 1s certificate to be refused", DEADLINE, () -> {
            last[0] = Shell.run(ssh(brief.resolve("id_ed25519"), "web@" + host1, "true"));
            return last[0].exitCode() == 255 && last[0].output().contains("Permission denied");
        }, () -> last[0] == null ? "" : last[0].output());
        assertThat(last[0].output()).as("ssh prints why").contains("fleetnet: certificate '").contains("expired at")
                .contains("run `fleetnet ssh issue` again");
    }

    @Test
    @Order(8)
    void aDeletedKeyStopsWorkingAtOnce() throws Exception {
        Path bob = dir.resolve("bob");
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", bob.toString()));
        try (FleetClient client = fixture.client()) {
            client.ssh().addKey(AddSshKeyRequest.newBuilder().setName("bob").setPublicKey(Files.readString(Path.of(bob + ".pub")))
                    .setScope(SshKeyScope.SSH_KEY_SCOPE_NETWORK).setTarget("default").build());
            Shell.Result[] last = {null};
            Deadline.await("bob's key to reach the host", DEADLINE, () -> (last[0] = Shell.run(ssh(bob, "web@" + host1, "true"))).ok(),
                    () -> last[0].output());
            client.ssh().deleteKey(DeleteSshKeyRequest.newBuilder().setName("bob").build());
            Deadline.await("bob's deleted key to be refused", DEADLINE, () -> (last[0] = Shell.run(ssh(bob, "web@" + host1, "true"))).exitCode() == 255,
                    () -> last[0].output());
        }
    }

    @Test
    @Order(9)
    void stoppingTheMachineClosesItsSessions() throws Exception {
        Process session = new ProcessBuilder(ssh(alice, "web@" + host1, "echo started; sleep 300")).redirectErrorStream(true).start();
        background.add(session);
        BufferedReader out = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (seen) {
                        seen.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException e) {
                // ended
            }
        });
        Deadline.await("the session to start", DEADLINE, () -> {
            synchronized (seen) {
                return seen.toString().contains("started");
            }
        });
        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName("web").build());
        }
        assertThat(session.waitFor(60, TimeUnit.SECONDS)).as("the session ends when the machine stops").isTrue();
        reader.get(10, TimeUnit.SECONDS);
        assertThat(session.exitValue()).isEqualTo(255);
        assertThat(seen.toString()).contains("machine 'web' stopped");
        Shell.Result after = Shell.run(ssh(alice, "web@" + host1, "true"));
        assertThat(after.exitCode()).isEqualTo(255);
        assertThat(after.output()).contains("machine 'web' is stopped");
    }

    @Test
    @Order(10)
    void aMachineWithItsOwnSshdIsReachedThroughItAsRootWithTheRelayCertificate() throws Exception {
        String netns;
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("guest").setHost("h1")
                    .setSsh(SshMode.SSH_MODE_RELAY).build());
            Deadline.await("machine guest to run", DEADLINE, () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("guest").build()).getState() == MachineState.MACHINE_STATE_RUNNING);
            netns = client.machines().getMachine(GetMachineRequest.newBuilder().setName("guest").build()).getNetns();
        }
        // the guest's side, as its root would do it: what `fleetnet ssh guest-config` prints, then OpenSSH's sshd
        Path etc = Files.createDirectories(dir.resolve("guest-etc"));
        String script = cli("ssh", "guest-config", "--dir", etc.toString());
        assertThat(script).contains("TrustedUserCAKeys " + etc);
        Shell.Result setup = Shell.run(List.of("bash", "-c", script));
        assertThat(setup.exitCode()).as(setup.output()).isZero();
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", etc.resolve("ssh_host_ed25519_key").toString()));
        Path config = etc.resolve("sshd_config");
        Files.writeString(config, String.join("\n", "Include " + etc + "/sshd_config.d/*.conf", "Port 22",
                "HostKey " + etc.resolve("ssh_host_ed25519_key"), "PidFile " + etc.resolve("sshd.pid"), "UsePAM no",
                "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "AuthorizedKeysFile none",
                "Subsystem sftp internal-sftp", "LogLevel VERBOSE", ""));
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
        Path sshdLog = dir.resolve("guest-sshd.log");
        background.add(new ProcessBuilder("ip", "netns", "exec", netns, "/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(sshdLog.toFile()).start());
        assertThat(cli("ssh", "key", "add", "alice-guest", "--key-file", alice + ".pub", "--machine", "guest")).contains("alice-guest");

        Shell.Result[] r = {null};
        Deadline.await("a command through the guest's own sshd", DEADLINE, () -> (r[0] = Shell.run(ssh(alice, "guest@" + host1,
                "echo \"as $(id -un) via $SSH_CONNECTION\"; echo err >&2; exit 3"))).output().contains("as root via"),
                () -> r[0].output() + "\n" + readQuietly(sshdLog));
        assertThat(r[0].exitCode()).isEqualTo(3);
        assertThat(r[0].output()).contains("err");
        // OpenSSH took the platform's relay certificate for root: it says so in its log
        assertThat(Files.readString(sshdLog)).contains("Accepted publickey for root").contains("ID relay:h1");

        List<String> tty = ssh(alice, "-tt", "guest@" + host1);
        String line = String.join(" ", tty.subList(4, tty.size())) + " 'stty size'";
        Shell.Result pty = Shell.inNamespace(internet, "script", "-qec", "stty rows 19 cols 71; " + line, "/dev/null");
        assertThat(pty.output()).as("the PTY's size reaches the guest's sshd").contains("19 71");

        Path local = dir.resolve("to-guest.txt");
        Files.writeString(local, "through the guest's sftp " + System.nanoTime() + "\n");
        Path remote = dir.resolve("in-guest.txt");
        Shell.Result scp = Shell.run(scp(alice, local.toString(), "guest@[" + host1 + "]:" + remote));
        assertThat(scp.exitCode()).as(scp.output()).isZero();
        assertThat(Files.readString(remote)).isEqualTo(Files.readString(local));
    }

    @Test
    @Order(11)
    void scpReachesAMachineOnAnotherHostThroughItsHost() throws Exception {
        Path dave = dir.resolve("dave");
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dave.toString()));
        assertThat(cli("ssh", "key", "add", "dave", "--key-file", dave + ".pub", "--machine", "far")).contains("dave");
        Path local = dir.resolve("to-far.txt");
        Files.writeString(local, "across hosts " + System.nanoTime() + "\n");
        Path remote = dir.resolve("on-far.txt"); // far runs on h2; a netns machine's files are its host's, and the lab's hosts share one
        Shell.Result[] in = {null};
        Deadline.await("dave's key to reach the hosts", DEADLINE,
                () -> (in[0] = Shell.run(scp(dave, local.toString(), "far@[" + host1 + "]:" + remote))).exitCode() == 0,
                () -> in[0].output());
        assertThat(Files.readString(remote)).isEqualTo(Files.readString(local));
        Path back = dir.resolve("from-far.txt");
        Shell.Result out = Shell.run(scp(dave, "far@[" + host1 + "]:" + remote, back.toString()));
        assertThat(out.exitCode()).as(out.output()).isZero();
        assertThat(Files.readString(back)).isEqualTo(Files.readString(local));
    }

    @Test
    @Order(12)
    void localForwardReachesAnExposedPortOfAMachineOnAnotherHost() throws Exception {
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("farweb").setHost("h2").addPorts(8080).build());
            Deadline.await("machine farweb to run", DEADLINE, () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("farweb").build()).getState() == MachineState.MACHINE_STATE_RUNNING);
            background.add(MachineServerLauncher.start(client, "farweb", dir.resolve("farweb.log")));
        }
        Path erin = dir.resolve("erin");
        Shell.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", erin.toString()));
        assertThat(cli("ssh", "key", "add", "erin", "--key-file", erin + ".pub", "--machine", "farweb")).contains("erin");
        Process tunnel = new ProcessBuilder(ssh(erin, "-N", "-o", "ExitOnForwardFailure=yes", "-L", "127.0.0.1:18082:localhost:8080",
                "farweb@" + host1)).redirectErrorStream(true).start();
        background.add(tunnel);
        Shell.inNamespace(internet, "ip", "link", "set", "lo", "up");
        String[] body = {""};
        Deadline.await("curl through ssh -L to a machine on host 2", DEADLINE, () -> {
            body[0] = Shell.inNamespace(internet, "curl", "-s", "--max-time", "5", "http://127.0.0.1:18082/").output();
            return body[0].contains("hello from farweb");
        }, () -> body[0]);
        tunnel.destroy();
        // a port it does not expose is refused at once (the mesh would drop it anyway), not left to time out
        Shell.Result hidden = Shell.run(ssh(erin, "-W", "localhost:8081", "farweb@" + host1));
        assertThat(hidden.exitCode()).isEqualTo(255);
        assertThat(hidden.output()).contains("open failed");
    }

    private static List<String> scp(Path key, String from, String to) {
        return List.of("ip", "netns", "exec", internet, "scp", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key.toString(), from, to);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return file + ": " + e;
        }
    }
}

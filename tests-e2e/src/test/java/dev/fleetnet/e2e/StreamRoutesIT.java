package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.cli.FleetnetCli;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * TLS passthrough and TCP routes on a real 3-host lab, with the clients a user has, from the
 * underlay ("the internet") against host 1: {@code openssl s_client} reaches {@code openssl
 * s_server} in a machine on host 3 and sees the machine's own certificate; {@code socat} talks
 * through a public TCP port; a PROXY v2 route tells a python server the client's address; and
 * the owner's stop closes the open relay and refuses new connections until it starts again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamRoutesIT {
    private static final Duration ROUTE_DEADLINE = Duration.ofSeconds(30);
    private static final String PASSTHROUGH_NAME = "vault.example.test";
    private static final int ECHO_PUBLIC_PORT = 7000;
    private static final int PROXY_PUBLIC_PORT = 7001;
    private static LabFixture fixture;
    private static String internet;
    private static String host1;
    private static Path dir;
    private static final List<Process> processes = new ArrayList<>();
    /** The servers in vault now (a subset of {@link #processes}). */
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        host1 = new LabLayout("x", 3).hostUnderlayAddress(1);
        dir = Files.createTempDirectory("fleetnet-streams-it-");
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=" + PASSTHROUGH_NAME, "-addext", "subjectAltName=DNS:" + PASSTHROUGH_NAME,
                "-keyout", dir.resolve("vault.key").toString(), "-out", dir.resolve("vault.crt").toString());
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("vault").setHost("h3")
                    .addPorts(8443).addPorts(5000).addPorts(5001).build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, 7); // the lab's 6 demo machines and vault
            startServers();
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname(PASSTHROUGH_NAME)
                    .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH).setMachine("vault").setPort(8443)).build());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setPublicPort(ECHO_PUBLIC_PORT)
                    .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setMachine("vault").setPort(5000)).build());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setPublicPort(PROXY_PUBLIC_PORT)
                    .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setMachine("vault").setPort(5001).setProxyProtocol(true)
                    .addHosts("h1")).build());
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        try {
            processes.forEach(Process::destroyForcibly);
        } finally {
            if (fixture != null) {
                fixture.close();
            }
            if (dir != null) {
                try (var paths = Files.walk(dir)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The machine's servers, in its current namespace (a stop and start gives it a new one). */
    private static void startServers() throws Exception {
        for (Process old : servers) { // a namespace kept across stop and start still has their ports bound
            old.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        servers.clear();
        String server = Path.of(StreamRoutesIT.class.getResource("/stream_server.py").toURI()).toString();
        startInMachine("ACCEPT", "openssl", "s_server", "-6", "-accept", "8443", "-cert", dir.resolve("vault.crt").toString(),
                "-key", dir.resolve("vault.key").toString(), "-rev");
        startInMachine("ready", "python3", "-u", server, "5000");
        startInMachine("ready", "python3", "-u", server, "5001", "proxy");
    }

    private static void startInMachine(String readyLine, String... command) throws Exception {
        String netns;
        try (FleetClient client = fixture.client()) {
            netns = client.machines().getMachine(GetMachineRequest.newBuilder().setName("vault").build()).getNetns();
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        processes.add(process);
        servers.add(process);
        StringBuffer seen = new StringBuffer();
        Thread.ofPlatform().daemon().start(() -> copy(process, seen));
        Deadline.await(command[0] + " in vault to be ready", Duration.ofSeconds(30), () -> seen.toString().contains(readyLine),
                seen::toString);
    }

    @Test
    @Order(1)
    void aPassthroughNameReachesTheMachineWhichPresentsItsOwnCertificate() throws Exception {
        Deadline.await("the passthrough route on host 1", ROUTE_DEADLINE,
                () -> sClient(PASSTHROUGH_NAME).contains("Verify return code: 0 (ok)"));
        String out = sClient(PASSTHROUGH_NAME);
        assertThat(out).contains("subject=CN = " + PASSTHROUGH_NAME);
        assertThat(leafPem(out)).as("the machine's own certificate, not one of the ingress's")
                .isEqualTo(leafPem(Files.readString(dir.resolve("vault.crt"))));
        // s_server -rev answers each line reversed: the bytes went through the machine's TLS
        Shell.Result rev = Shell.inNamespace(internet, "bash", "-c", "(echo fleetnet; sleep 2) | timeout 20 openssl s_client -quiet -no_ign_eof -connect ["
                + host1 + "]:443 -servername " + PASSTHROUGH_NAME + " -CAfile " + dir.resolve("vault.crt"));
        assertThat(rev.output()).contains("tenteelf");
        assertThat(sClient("nowhere.example.test")).as("other names are still terminated (or refused) by the ingress")
                .contains("alert number 112");
    }

    @Test
    @Order(2)
    void socatTalksThroughATcpRoutesPublicPortOnEveryHost() {
        for (int host : List.of(1, 2, 3)) {
            String address = new LabLayout("x", 3).hostUnderlayAddress(host);
            Deadline.await("tcp/" + ECHO_PUBLIC_PORT + " on host " + host, ROUTE_DEADLINE,
                    () -> socat(address, ECHO_PUBLIC_PORT, "hello " + host).output().contains("echo hello " + host),
                    () -> socat(address, ECHO_PUBLIC_PORT, "hello " + host).output() + "\n" + agentLog(host));
        }
    }

    @Test
    @Order(3)
    void aProxyProtocolRouteTellsTheMachineTheClientsUnderlayAddressAndPort() throws Exception {
        String client = Path.of(StreamRoutesIT.class.getResource("/stream_client.py").toURI()).toString();
        Deadline.await("tcp/" + PROXY_PUBLIC_PORT + " on host 1", ROUTE_DEADLINE,
                () -> Shell.inNamespace(internet, "python3", client, host1, String.valueOf(PROXY_PUBLIC_PORT)).output()
                        .contains("proxy-source"));
        List<String> lines = Shell.inNamespace(internet, "python3", client, host1, String.valueOf(PROXY_PUBLIC_PORT)).output()
                .lines().toList();
        assertThat(lines).hasSize(2);
        String clientSide = lines.get(0).substring("client ".length());
        assertThat(lines.get(1)).isEqualTo("proxy-source " + clientSide);
        assertThat(clientSide).startsWith("[fd01::");
        String host2 = new LabLayout("x", 3).hostUnderlayAddress(2);
        assertThat(socat(host2, PROXY_PUBLIC_PORT, "x").exitCode()).as("the route listens on h1 only").isNotZero();
    }

    @Test
    @Order(4)
    void whoOwnsThePublicPort() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FleetnetCli.run(new String[] {"--controller", fixture.lab.state().apiAddress(), "route", "who-owns",
            "--public-port", String.valueOf(ECHO_PUBLIC_PORT)}, new PrintWriter(out, true), new PrintWriter(err, true), fixture.cliEnv());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("vault (explicit route tcp/" + ECHO_PUBLIC_PORT + " -> vault:5000");
    }

    @Test
    @Order(5)
    void stoppingTheOwnerClosesTheOpenRelayAndRefusesNewConnectionsUntilItStarts() throws Exception {
        Process open = new ProcessBuilder("ip", "netns", "exec", internet, "socat", "-", "TCP6:[" + host1 + "]:" + ECHO_PUBLIC_PORT)
                .redirectErrorStream(true).start();
        processes.add(open);
        StringBuffer seen = new StringBuffer();
        Thread.ofPlatform().daemon().start(() -> copy(open, seen));
        OutputStream in = open.getOutputStream();
        in.write("before\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        Deadline.await("the open relay to answer", Duration.ofSeconds(10), () -> seen.toString().contains("echo before"),
                seen::toString);

        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName("vault").build());
        }
        assertThat(open.waitFor(30, TimeUnit.SECONDS)).as("the open relay is closed by the stop").isTrue();
        Deadline.await("new tcp connections to be reset", ROUTE_DEADLINE, () -> probe(host1, ECHO_PUBLIC_PORT).equals("reset"),
                () -> probe(host1, ECHO_PUBLIC_PORT));
        assertThat(socat(host1, ECHO_PUBLIC_PORT, "after").output()).doesNotContain("echo after");
        Deadline.await("passthrough to be refused", ROUTE_DEADLINE, () -> sClient(PASSTHROUGH_NAME).contains("alert number 80"));
        assertThat(sClient(PASSTHROUGH_NAME)).doesNotContain("BEGIN CERTIFICATE");

        try (FleetClient client = fixture.client()) {
            client.machines().startMachine(StartMachineRequest.newBuilder().setName("vault").build());
            Deadline.await("vault to run again", Duration.ofSeconds(60), () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("vault").build()).getState() == MachineState.MACHINE_STATE_RUNNING);
        }
        startServers();
        Deadline.await("tcp/" + ECHO_PUBLIC_PORT + " to work again", Duration.ofSeconds(90),
                () -> socat(host1, ECHO_PUBLIC_PORT, "again").output().contains("echo again"),
                () -> socat(host1, ECHO_PUBLIC_PORT, "again").output() + "\n" + agentLog(1) + "\n" + agentLog(3));
        Deadline.await("passthrough to work again", ROUTE_DEADLINE,
                () -> sClient(PASSTHROUGH_NAME).contains("Verify return code: 0 (ok)"));
    }

    @Test
    @Order(6)
    void deletingTheRouteClosesItsOpenRelayWhileTheMachineKeepsRunning() throws Exception {
        Deadline.await("tcp/" + ECHO_PUBLIC_PORT + " to answer", ROUTE_DEADLINE,
                () -> socat(host1, ECHO_PUBLIC_PORT, "ready").output().contains("echo ready"));
        Process open = new ProcessBuilder("ip", "netns", "exec", internet, "socat", "-", "TCP6:[" + host1 + "]:" + ECHO_PUBLIC_PORT)
                .redirectErrorStream(true).start();
        processes.add(open);
        StringBuffer seen = new StringBuffer();
        Thread.ofPlatform().daemon().start(() -> copy(open, seen));
        open.getOutputStream().write("before\n".getBytes(StandardCharsets.US_ASCII));
        open.getOutputStream().flush();
        Deadline.await("the open relay to answer", Duration.ofSeconds(10), () -> seen.toString().contains("echo before"),
                seen::toString);

        try (FleetClient client = fixture.client()) {
            client.routes().deleteRoute(DeleteRouteRequest.newBuilder().setHostname("tcp/" + ECHO_PUBLIC_PORT).build());
            assertThat(open.waitFor(30, TimeUnit.SECONDS)).as("the open relay is closed by the route's deletion").isTrue();
            // not because the machine or its server went: both still run
            assertThat(client.machines().getMachine(GetMachineRequest.newBuilder().setName("vault").build()).getState())
                    .isEqualTo(MachineState.MACHINE_STATE_RUNNING);
        }
        assertThat(servers).allSatisfy(server -> assertThat(server.isAlive()).isTrue());
        // no route, no listener: the port refuses connections (RST to the SYN)
        Deadline.await("new connections to the deleted port to be refused", ROUTE_DEADLINE,
                () -> probe(host1, ECHO_PUBLIC_PORT).contains("Connection refused"), () -> probe(host1, ECHO_PUBLIC_PORT));
    }

    /** The last lines of host N's agent log, for a failure's message. */
    private static String agentLog(int host) {
        try {
            List<String> lines = Files.readAllLines(fixture.lab.config().dir().resolve("agent-h" + host + ".log"));
            return "agent-h" + host + ".log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (java.io.IOException e) {
            return "agent-h" + host + ".log: " + e;
        }
    }

    /** "reset", "closed", "timeout" or "data ..." for one connection from the underlay. */
    private static String probe(String address, int port) {
        try {
            String script = Path.of(StreamRoutesIT.class.getResource("/stream_probe.py").toURI()).toString();
            return Shell.inNamespace(internet, "python3", script, address, String.valueOf(port)).output().strip();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Shell.Result socat(String address, int port, String line) {
        return Shell.inNamespace(internet, "bash", "-c", "echo '" + line + "' | socat -t 3 - TCP6:[" + address + "]:" + port);
    }

    /** What openssl s_client prints for one handshake with host 1 (stdin closed at once). */
    private static String sClient(String serverName) {
        return Shell.inNamespace(internet, "openssl", "s_client", "-connect", "[" + host1 + "]:443", "-servername", serverName,
                "-CAfile", dir.resolve("vault.crt").toString(), "-verify_hostname", serverName).output();
    }

    private static String leafPem(String text) {
        int start = text.indexOf("-----BEGIN CERTIFICATE-----");
        int end = text.indexOf("-----END CERTIFICATE-----");
        return start < 0 || end < 0 ? "" : text.substring(start, end);
    }

    private static void run(String... command) {
        Shell.Result result = Shell.run(List.of(command));
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.output()).isZero();
    }

    private static void copy(Process process, StringBuffer into) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                into.append(line).append('\n');
            }
        } catch (java.io.IOException closed) {
            // the process ended
        }
    }
}

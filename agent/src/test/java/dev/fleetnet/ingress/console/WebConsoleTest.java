package dev.fleetnet.ingress.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.ssh.SshIngress;
import dev.fleetnet.ingress.ssh.SshIngressConfig;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.routing.IngressNaming;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console on a real ingress (TLS on loopback) with a real SSH ingress's session code
 * running a login shell on this machine (no namespaces), driven by a WebSocket client that shows
 * every byte; links come from an in-memory stand-in for the controller.
 */
class WebConsoleTest {
    private static final String HOST = "console.fleet.test";
    private static final String ORIGIN = "https://" + HOST;
    @TempDir
    static Path certificates;
    private static Certificate certificate;
    private static SSLContext trusting;
    @TempDir
    Path dir;
    private EventLoopGroup group;
    private SshIngress ssh;
    private HttpIngressServer ingress;
    private final InMemoryLinks links = new InMemoryLinks();
    /** Machines a terminal was opened on, in order: what reached the session side. */
    private final List<String> opened = Collections.synchronizedList(new ArrayList<>());

    /** Single use, as the controller's store: a token opens its machine once. */
    static final class InMemoryLinks implements ConsoleLinks {
        final Map<String, String> tokens = new ConcurrentHashMap<>();
        final List<String> spent = Collections.synchronizedList(new ArrayList<>());

        @Override
        public CompletableFuture<String> spend(String token) {
            spent.add(token);
            String machine = tokens.remove(token);
            return machine == null ? CompletableFuture.failedFuture(new Refused("fleetnet: this console link was already used"))
                    : CompletableFuture.completedFuture(machine);
        }
    }

    @BeforeAll
    static void certificate() throws Exception {
        certificate = TestCertificates.make(certificates, HOST, CertificateSource.CERTIFICATE_SOURCE_FLEET);
        trusting = TestCertificates.trusting(List.of(certificate));
    }

    @BeforeEach
    void start() throws Exception {
        ssh = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.1", 0), dir.resolve("host_key"),
                SshIngressConfig.NamespaceEntry.none()));
        ssh.update(view(true));
        group = Transports.group(1);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", 8080)).build();
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(certificate), List.of());
        Terminals terminals = (machine, columns, rows, input, output, exit) -> {
            opened.add(machine);
            return ssh.openTerminal(machine, columns, rows, input, output, exit);
        };
        WebConsole console = new WebConsole(new WebConsole.Config(HOST, "h1", Duration.ofMinutes(1), Duration.ofSeconds(5)),
                ConsoleAssets.load(), links, terminals);
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ingress = HttpIngressServer.start(config, IngressRoutes.empty(config.naming()), new UpstreamConnector(Duration.ofSeconds(1)),
                group, loopback, loopback, store, new ConnectionLimiter(100, 100), null, H2Options.defaults(), console);
    }

    @AfterEach
    void stop() {
        ingress.close();
        ssh.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static HostView view(boolean running) {
        return HostView.newBuilder().setRevision(running ? 1 : 2).setHostName("h1")
                .addMachines(MachineSpec.newBuilder().setName("web").setBackend(Backend.BACKEND_NETNS).setRunning(running).setAddress("::1"))
                .addDirectory(FleetMachine.newBuilder().setName("web").setHost("h1").setRunning(running).setAddress("::1")).build();
    }

    private String link(String machine) {
        String token = dev.fleetnet.console.ConsoleTokens.generate();
        links.tokens.put(token, machine);
        return token;
    }

    private RawWebSocket session(String token, String target) throws Exception {
        return RawWebSocket.tls(trusting, ingress.tlsAddress().getPort(), HOST, target,
                RawWebSocket.upgrade(ORIGIN, ConsoleRequests.PROTOCOL + ", " + token));
    }

    @Test
    void thePageAndItsOwnFilesComeFromTheAgentOverHttpsOnly() throws Exception {
        try (RawWebSocket page = RawWebSocket.tls(trusting, ingress.tlsAddress().getPort(), HOST, "/", Map.of())) {
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.head()).containsIgnoringCase("content-security-policy: default-src 'none'").containsIgnoringCase("text/html");
            assertThat(page.body()).contains("console.js").contains("xterm.css").doesNotContain("http://").doesNotContain("https://");
        }
        try (RawWebSocket xterm = RawWebSocket.tls(trusting, ingress.tlsAddress().getPort(), HOST, "/xterm.mjs", Map.of())) {
            assertThat(xterm.status()).isEqualTo(200);
            assertThat(xterm.head()).containsIgnoringCase("text/javascript");
            assertThat(xterm.body()).contains("export{");
        }
        try (RawWebSocket missing = RawWebSocket.tls(trusting, ingress.tlsAddress().getPort(), HOST, "/../etc/passwd", Map.of())) {
            assertThat(missing.status()).isEqualTo(404);
        }
        try (RawWebSocket clear = RawWebSocket.plain(ingress.address().getPort(), HOST + ":" + ingress.address().getPort(), "/", Map.of())) {
            assertThat(clear.status()).isEqualTo(308);
            assertThat(clear.head()).contains("location: https://" + HOST + "/");
        }
    }

    @Test
    void aSessionTypesReadsResizesAndEndsWithItsExitStatus() throws Exception {
        try (RawWebSocket ws = session(link("web"), "/session?cols=100&rows=30")) {
            assertThat(ws.status()).as(ws.head()).isEqualTo(101);
            assertThat(ws.head()).containsIgnoringCase("sec-websocket-protocol: " + ConsoleRequests.PROTOCOL);
            assertThat(ws.readUntil("machine web, through host h1").close()).isNull();
            ws.sendKeys("stty size; echo \"s$((6*7))e\"\r");
            assertThat(ws.readUntil("s42e").output()).as("the size the page asked for at the upgrade").contains("30 100");
            ws.sendText("{\"type\":\"resize\",\"cols\":111,\"rows\":33}");
            ws.sendKeys("stty size\r");
            assertThat(ws.readUntil("33 111").close()).isNull();
            ws.sendKeys("echo \"L=$LANG\"\r");
            assertThat(ws.readUntil("L=C.UTF-8").close()).as("a UTF-8 locale for readline").isNull();
            ws.sendKeys("echo \"h\u00e9llo \u2713 $((1+1))\"\r");
            assertThat(ws.readUntil("h\u00e9llo \u2713 2").close()).as("UTF-8 both ways").isNull();
            ws.sendKeys("exit 3\r");
            RawWebSocket.Transcript end = ws.readUntil("\u0000never");
            assertThat(end.output()).contains("fleetnet: session ended, exit status 3");
            assertThat(end.close().closeCode()).isEqualTo(1000);
            assertThat(end.close().closeReason()).isEqualTo("fleetnet: session ended, exit status 3");
        }
        assertThat(opened).containsExactly("web");
    }

    @Test
    void aSpentLinkIsRefusedOnTheTerminalAndOpensNothing() throws Exception {
        String token = link("web");
        try (RawWebSocket first = session(token, "/session")) {
            assertThat(first.readUntil("through host h1").close()).isNull();
        }
        try (RawWebSocket again = session(token, "/session")) {
            assertThat(again.status()).isEqualTo(101);
            RawWebSocket.Transcript refused = again.readUntil("\u0000never");
            assertThat(refused.output()).contains("fleetnet: this console link was already used");
            assertThat(refused.close().closeCode()).isEqualTo(1008);
            assertThat(refused.close().closeReason()).contains("already used");
        }
        assertThat(links.spent).containsExactly(token, token);
        assertThat(opened).as("terminals opened").containsExactly("web");
    }

    @Test
    void anotherOriginIsRefusedBeforeTheLinkIsSpent() throws Exception {
        String token = link("web");
        for (String origin : new String[] {"https://evil.example", null, "http://" + HOST}) {
            try (RawWebSocket ws = RawWebSocket.tls(trusting, ingress.tlsAddress().getPort(), HOST, "/session",
                    RawWebSocket.upgrade(origin, ConsoleRequests.PROTOCOL + ", " + token))) {
                assertThat(ws.status()).isEqualTo(403);
                assertThat(ws.body()).contains("origin: " + (origin == null ? "none" : "'" + origin + "'"))
                        .contains("expected: " + ORIGIN);
            }
        }
        assertThat(links.spent).as("links spent").isEmpty();
        assertThat(links.tokens).containsKey(token);
        assertThat(opened).isEmpty();
    }

    @Test
    void stoppingTheMachineEndsItsSessionWithAMessage() throws Exception {
        try (RawWebSocket ws = session(link("web"), "/session")) {
            ws.sendKeys("echo \"up$((2+3))\"; sleep 300\r");
            assertThat(ws.readUntil("up5").close()).isNull();
            ssh.update(view(false));
            RawWebSocket.Transcript end = ws.readUntil("\u0000never");
            assertThat(end.output()).contains("fleetnet: machine 'web' stopped; closing the session");
            assertThat(end.close().closeReason()).isEqualTo("fleetnet: machine 'web' stopped; closing the session");
        }
        try (RawWebSocket after = session(link("web"), "/session")) {
            RawWebSocket.Transcript refused = after.readUntil("\u0000never");
            assertThat(refused.output()).contains("fleetnet: machine 'web' is stopped");
            assertThat(refused.close().closeCode()).isEqualTo(1008);
        }
    }
}

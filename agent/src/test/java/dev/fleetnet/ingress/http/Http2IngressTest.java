package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/2 front-end on real loopback sockets: curl negotiating h2 by ALPN to an HTTP/1.1
 * machine (forwarding headers, bodies, JSON errors, multiplexed streams), and a raw frame client
 * breaking each edge limit (concurrent streams, header list size, rapid reset, CONTINUATION
 * flood, idle timeout) and getting refused or GOAWAY and the close.
 */
class Http2IngressTest {
    @TempDir
    static Path dir;
    static Certificate certA;
    static Path caFile;

    private EventLoopGroup group;
    private RecordingUpstream upstream;
    private HttpIngressServer ingress;
    private final List<IngressObserver.RequestRecord> records = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void certificates() throws Exception {
        certA = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        caFile = Files.writeString(dir.resolve("a.pem"), certA.getCertificateChainPem());
    }

    private void start(UnaryOperator<IngressConfig.Builder> config, H2Options h2) throws Exception {
        group = Transports.group(1);
        upstream = new RecordingUpstream(null);
        IngressConfig c = config.apply(IngressConfig.builder().naming(new IngressNaming("fleet.test", upstream.port()))
                .upstreamResponseTimeout(Duration.ofSeconds(5))).build();
        IngressRoutes routes = IngressRoutes.empty(c.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstream.port()), "",
                Set.of(upstream.port()))));
        routes.swap(routes.current().withRoute(new RouteSpec("a.test", "/", "web", false, upstream.port(), "web", false, 0, false)));
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(certA), List.of());
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ingress = HttpIngressServer.start(c, routes, new UpstreamConnector(c.upstreamConnectTimeout()), group, loopback, loopback,
                store, h2.withObserver(new IngressObserver() {
                    @Override
                    public void request(RequestRecord record) {
                        records.add(record);
                    }
                }));
    }

    private void start() throws Exception {
        start(b -> b, H2Options.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        if (ingress != null) {
            ingress.close();
            upstream.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private int port() {
        return ingress.tlsAddress().getPort();
    }

    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--http2", "--max-time", "20", "--cacert", caFile.toString(),
                "--resolve", "a.test:" + port() + ":127.0.0.1"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void curlNegotiatesH2AndTheMachineGetsHttp11WithForwardingHeaders() throws Exception {
        start();
        String out = curl("-w", "\n%{http_version} %{response_code}", "https://a.test:" + port() + "/hello?x=1");
        assertThat(out).endsWith("\n2 200");
        String head = upstream.heads().getLast().toLowerCase();
        assertThat(head).startsWith("get /hello?x=1 http/1.1\r\n")
                .contains("host: a.test:" + port(), "x-forwarded-proto: https", "x-forwarded-for: 127.0.0.1",
                        "forwarded: for=127.0.0.1;host=\"a.test:" + port() + "\";proto=https", "via: 1.1 fleetnet", "x-machine-id: web");
        assertThat(head).doesNotContain("x-http2-");
        waitFor(() -> !records.isEmpty());
        IngressObserver.RequestRecord r = records.getFirst();
        assertThat(r.httpVersion()).isEqualTo("h2");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.hostname()).isEqualTo("a.test");
        assertThat(r.route().route()).isEqualTo("a.test/");
        assertThat(r.machine()).as("who served it").isEqualTo("web");
        assertThat(r.upstreamNanos()).as("time to the machine's response head").isPositive().isLessThanOrEqualTo(r.durationNanos());
        assertThat(records).hasSize(1).as("one line per stream, not one more for the HTTP/1.1 leg");
    }

    @Test
    void aRequestBodyStreamsToTheMachine() throws Exception {
        start();
        String body = "x".repeat(200_000);
        Path file = Files.writeString(dir.resolve("body"), body);
        String out = curl("-w", "\n%{http_version} %{response_code}", "--data-binary", "@" + file, "https://a.test:" + port() + "/up");
        assertThat(out).endsWith("\n2 200");
        assertThat(upstream.raw()).contains(body);
        assertThat(upstream.heads().getLast().toLowerCase()).startsWith("post /up http/1.1");
    }

    @Test
    void misdirectedAuthorityGetsTheJsonError421OverH2() throws Exception {
        start();
        int before = upstream.heads().size();
        String out = curl("-H", "Host: b.test", "-w", "\n%{http_version} %{response_code}", "https://a.test:" + port() + "/");
        assertThat(out).contains("\"error\": \"misdirected request: Host 'b.test'").endsWith("\n2 421");
        assertThat(upstream.heads()).hasSize(before);
    }

    @Test
    void twentyStreamsShareOneConnection() throws Exception {
        start();
        String out = curl("-Z", "-o", "/dev/null", "-w", "%{http_version} %{response_code} %{num_connects}\n",
                "https://a.test:" + port() + "/s/[1-20]");
        List<String> lines = out.lines().filter(l -> l.startsWith("2 ")).toList();
        assertThat(lines).hasSize(20).allSatisfy(l -> assertThat(l).startsWith("2 200 "));
        assertThat(lines.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[2])).sum()).isEqualTo(1);
        assertThat(upstream.heads()).hasSize(20);
    }

    @Test
    void advertisesMaxConcurrentStreamsAndRefusesTheNextStream() throws Exception {
        assertThat(H2Options.defaults().maxConcurrentStreams()).isEqualTo(100);
        start(b -> b, H2Options.defaults().withMaxConcurrentStreams(3));
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            RawH2.Frame settings = h2.await(f -> f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0);
            assertThat(setting(settings, 3)).isEqualTo(3);
            assertThat(setting(settings, 6)).isEqualTo(16 * 1024);
            Http2Headers post = RawH2.get("a.test", "/slow").method("POST").set("content-length", "10");
            for (int stream = 1; stream <= 7; stream += 2) {
                h2.headers(stream, post, false); // bodies never come: the streams stay open
            }
            RawH2.Frame rst = h2.await(f -> f.type() == RawH2.RST_STREAM);
            assertThat(rst.stream()).isEqualTo(7);
            assertThat(rst.errorCode()).isEqualTo(0x7); // REFUSED_STREAM
        }
    }

    @Test
    void anOversizedHeaderListGetsGoaway() throws Exception {
        start();
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            byte[] block = h2.block(RawH2.get("a.test", "/").set("x-big", "v".repeat(40_000)));
            int first = 16_384;
            h2.frame(RawH2.HEADERS, 0, 1, java.util.Arrays.copyOfRange(block, 0, first));
            for (int at = first; at < block.length; at += 16_384) {
                int end = Math.min(block.length, at + 16_384);
                h2.frame(RawH2.CONTINUATION, end == block.length ? RawH2.END_HEADERS : 0, 1, java.util.Arrays.copyOfRange(block, at, end));
            }
            assertThat(h2.await(f -> f.type() == RawH2.GOAWAY)).isNotNull();
            assertThat(h2.closedByServer()).isTrue();
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aContinuationFloodGetsGoaway() throws Exception {
        start();
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            byte[] block = h2.block(RawH2.get("a.test", "/").set("x-pad", "p".repeat(100)));
            h2.frame(RawH2.HEADERS, 0, 1, new byte[] {block[0]});
            for (int i = 1; i < block.length - 1; i++) {
                h2.frame(RawH2.CONTINUATION, 0, 1, new byte[] {block[i]});
            }
            RawH2.Frame goaway = h2.await(f -> f.type() == RawH2.GOAWAY);
            assertThat(goaway).isNotNull();
            assertThat(h2.closedByServer()).isTrue();
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void rapidResetGetsGoawayEnhanceYourCalm() throws Exception {
        start(b -> b, H2Options.defaults().withMaxRstFramesPerWindow(20, 30));
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            Http2Headers post = RawH2.get("a.test", "/r").method("POST");
            for (int stream = 1; stream < 2 * 40; stream += 2) {
                h2.headers(stream, post, false);
                h2.rst(stream, 0x8); // CANCEL
            }
            RawH2.Frame goaway = h2.await(f -> f.type() == RawH2.GOAWAY);
            assertThat(goaway).isNotNull();
            assertThat(goaway.errorCode()).as(new String(goaway.payload(), 8, goaway.payload().length - 8, StandardCharsets.UTF_8))
                    .isEqualTo(0xb); // ENHANCE_YOUR_CALM
            assertThat(h2.closedByServer()).isTrue();
        }
    }

    @Test
    void streamErrorsTheClientProvokesCountTowardTheResetLimit() throws Exception {
        // MadeYouReset (CVE-2025-8671): the client sends no RST_STREAM, but makes the ingress reset each
        // stream (a WINDOW_UPDATE of 0 is a stream error) after its request went to the machine.
        start(b -> b, H2Options.defaults().withMaxRstFramesPerWindow(20, 30));
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            Http2Headers post = RawH2.get("a.test", "/r").method("POST").set("content-length", "10");
            for (int stream = 1; stream < 2 * 100; stream += 2) {
                h2.headers(stream, post, false);
                h2.frame(RawH2.WINDOW_UPDATE, 0, stream, new byte[4]);
            }
            RawH2.Frame goaway = h2.await(f -> f.type() == RawH2.GOAWAY);
            assertThat(goaway).as("GOAWAY before the client's 100th provoked reset").isNotNull();
            assertThat(goaway.errorCode()).isEqualTo(0xb); // ENHANCE_YOUR_CALM
            assertThat(h2.closedByServer()).isTrue();
        }
        assertThat(upstream.heads().size()).as("requests the machine got").isLessThanOrEqualTo(21);
    }

    @Test
    void anIdleConnectionGetsGoawayAndTheClose() throws Exception {
        start(b -> b.idleTimeout(Duration.ofMillis(500)), H2Options.defaults());
        try (RawH2 h2 = RawH2.connect(port(), "a.test", List.of(certA))) {
            RawH2.Frame goaway = h2.await(f -> f.type() == RawH2.GOAWAY);
            assertThat(goaway).isNotNull();
            assertThat(goaway.errorCode()).isZero();
            assertThat(h2.closedByServer()).isTrue();
        }
    }

    private static long setting(RawH2.Frame settings, int id) {
        byte[] p = settings.payload();
        for (int at = 0; at + 6 <= p.length; at += 6) {
            if (((p[at] & 0xff) << 8 | p[at + 1] & 0xff) == id) {
                return (p[at + 2] & 0xffL) << 24 | (p[at + 3] & 0xff) << 16 | (p[at + 4] & 0xff) << 8 | p[at + 5] & 0xff;
            }
        }
        return -1;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}

package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Observers;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.observe.AccessLog;
import dev.fleetnet.ingress.observe.AdminServer;
import dev.fleetnet.ingress.observe.IngressMetrics;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real requests through a loopback ingress, counted in /metrics (read over HTTP) and written to the access log. */
class ObservedIngressTest {
    @TempDir
    Path dir;
    private EventLoopGroup group;
    private HttpServer upstream;
    private HttpIngressServer ingress;
    private IngressMetrics metrics;
    private AccessLog accessLog;
    private AdminServer admin;
    private final CountDownLatch release = new CountDownLatch(1);
    private io.netty.channel.Channel webSocket;

    @BeforeEach
    void start() throws Exception {
        group = Transports.group(1);
        upstream = Upstreams.http(release, new CountDownLatch(1));
        int port = upstream.getAddress().getPort();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: connections are refused
        }
        webSocket = Upstreams.webSocketEcho(group);
        int wsPort = ((InetSocketAddress) webSocket.localAddress()).getPort();
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", port)).trustedProxies(List.of()).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current()
                .withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(port), "", Set.of(port)))
                .withMachine(new MachineEntry("dead", "127.0.0.1", true, Set.of(closedPort), "", Set.of()))
                .withRoute(new RouteSpec("shop.test", "/", "web", false, port, "web", false, 0))
                .withRoute(new RouteSpec("dead.test", "/", "dead", false, closedPort, "dead", false, 0))
                .withMachine(new MachineEntry("chat", "127.0.0.1", true, Set.of(wsPort), "", Set.of(wsPort)))
                .withRoute(new RouteSpec("chat.test", "/", "chat", false, wsPort, "chat", false, 0)));
        metrics = new IngressMetrics();
        accessLog = AccessLog.open(dir.resolve("access.log").toString());
        ingress = HttpIngressServer.start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()), group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, CertificateStore.empty(),
                Observers.of(metrics, accessLog));
        admin = AdminServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics);
    }

    @AfterEach
    void stop() {
        release.countDown();
        admin.close();
        ingress.close();
        accessLog.close();
        upstream.stop(0);
        webSocket.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void countsAndLogsEveryRequestIncludingTheIngresssOwnAnswers() throws Exception {
        int port = ingress.address().getPort();
        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.exchange(port, "GET /page/" + i + "?q=1 HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n")
                    .status()).isEqualTo(200);
        }
        assertThat(RawHttp.exchange(port, "POST /upload HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\nhello").body()).isEqualTo("received=5");
        assertThat(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: nobody.test\r\nConnection: close\r\n\r\n").status())
                .isEqualTo(404);
        assertThat(RawHttp.exchange(port, "GET /x HTTP/1.1\r\nHost: dead.test\r\nConnection: close\r\n\r\n").status())
                .isEqualTo(502);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + admin.address().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
        String shop = "owner=\"web\",protocol=\"http\",route=\"shop.test/\"";
        String dead = "owner=\"dead\",protocol=\"http\",route=\"dead.test/\"";
        assertThat(scrape.body()).contains("fleetnet_ingress_requests_total{" + shop + "} 4")
                .contains("fleetnet_ingress_responses_total{" + shop + ",status_class=\"2xx\"} 4")
                .contains("fleetnet_ingress_received_bytes_total{" + shop + "} 5")
                .contains("fleetnet_ingress_duration_seconds_count{" + shop + "} 4")
                .contains("fleetnet_ingress_requests_total{owner=\"\",protocol=\"http\",route=\"\"} 1")
                .contains("fleetnet_ingress_responses_total{owner=\"\",protocol=\"http\",route=\"\",status_class=\"4xx\"} 1")
                .contains("fleetnet_ingress_responses_total{" + dead + ",status_class=\"5xx\"} 1")
                .contains("fleetnet_ingress_upstream_connect_failures_total{" + dead + "} 1");
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        List<JsonObject> lines = awaitLines(dir.resolve("access.log"), 6);
        assertThat(lines).extracting(l -> l.get("status").getAsInt()).containsExactly(200, 200, 200, 200, 404, 502);
        JsonObject first = lines.get(0);
        assertThat(first.get("client").getAsString()).isEqualTo("127.0.0.1");
        assertThat(first.get("host").getAsString()).isEqualTo("shop.test");
        assertThat(first.get("method").getAsString()).isEqualTo("GET");
        assertThat(first.get("path").getAsString()).isEqualTo("/page/0");
        assertThat(first.get("route").getAsString()).isEqualTo("shop.test/");
        assertThat(first.get("owner").getAsString()).isEqualTo("web");
        assertThat(first.get("machine").getAsString()).isEqualTo("web");
        assertThat(first.get("bytes_out").getAsLong()).isPositive();
        assertThat(first.get("duration_ms").getAsDouble()).isGreaterThanOrEqualTo(first.get("upstream_ms").getAsDouble());
        assertThat(first.get("upstream_ms").getAsDouble()).isPositive();
        assertThat(first.get("protocol").getAsString()).isEqualTo("HTTP/1.1");
        assertThat(lines.get(3).get("method").getAsString()).isEqualTo("POST");
        assertThat(lines.get(3).get("bytes_in").getAsLong()).isEqualTo(5);
        JsonObject unknown = lines.get(4);
        assertThat(unknown.get("route").getAsString()).isEmpty();
        assertThat(unknown.get("machine").getAsString()).isEmpty();
        assertThat(unknown.get("upstream_ms").getAsDouble()).isZero();
        JsonObject refused = lines.get(5);
        assertThat(refused.get("route").getAsString()).isEqualTo("dead.test/");
        assertThat(refused.get("machine").getAsString()).isEqualTo("dead");
    }

    @Test
    void aWebSocketUpgradeIsOneRequestWithStatus101() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", ingress.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: chat.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            assertThat(new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo("HTTP/1.1 101");
            List<JsonObject> lines = awaitLines(dir.resolve("access.log"), 1);
            assertThat(lines.get(0).get("status").getAsInt()).isEqualTo(101);
            assertThat(lines.get(0).get("route").getAsString()).isEqualTo("chat.test/");
            assertThat(lines.get(0).get("machine").getAsString()).isEqualTo("chat");
        }
        assertThat(metricsText()).contains("fleetnet_ingress_responses_total{owner=\"chat\",protocol=\"http\",route=\"chat.test/\","
                + "status_class=\"1xx\"} 1");
    }

    private String metricsText() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The log's lines once it holds {@code count} (the writer thread flushes when idle), polled with a deadline. */
    private static List<JsonObject> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= count) {
                break;
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(20); // poll interval, not synchronisation: the deadline bounds it
        }
        assertThat(lines).as("access log lines").hasSize(count);
        return lines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}

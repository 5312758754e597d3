package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.console.RawWebSocket;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.RouteSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ingress over real loopback sockets, against real upstream servers. */
class HttpIngressServerTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch holdReached = new CountDownLatch(1);
    private EventLoopGroup group;
    private HttpServer upstream;
    private Channel webSocketUpstream;
    private IngressRoutes routes;
    private UpstreamConnector connector;
    private HttpIngressServer ingress;
    private int upstreamPort;

    @BeforeEach
    void start() throws Exception {
        group = Transports.group(2);
        upstream = Upstreams.http(release, holdReached);
        upstreamPort = upstream.getAddress().getPort();
        webSocketUpstream = Upstreams.webSocketEcho(group);
        int wsPort = ((InetSocketAddress) webSocketUpstream.localAddress()).getPort();
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", upstreamPort))
                .upstreamResponseTimeout(Duration.ofSeconds(1))
                .trustedProxies(List.of()).build();
        routes = IngressRoutes.empty(config.naming());
        Set<Integer> ports = Set.of(upstreamPort, wsPort, closedPort());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, ports, "", ports)));
        connector = new UpstreamConnector(config.upstreamConnectTimeout());
        ingress = HttpIngressServer.start(config, routes, connector, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                null, CertificateStore.empty());
    }

    @AfterEach
    void stop() {
        release.countDown();
        ingress.close();
        webSocketUpstream.close().syncUninterruptibly();
        upstream.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void forwardsWithForwardingHeadersAndDropsSpoofedOnes() throws Exception {
        RawHttp.Response response = RawHttp.exchange(port(), "GET /hello?x=1 HTTP/1.1\r\nHost: web.fleet.test\r\n"
                + "X-Forwarded-For: 6.6.6.6\r\nX-Machine-ID: spoofed\r\nConnection: close, X-Drop-Me\r\nX-Drop-Me: 1\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("path=/hello?x=1", "x-forwarded-for: 127.0.0.1\n", "x-machine-id: web\n",
                "x-forwarded-host: web.fleet.test\n", "x-forwarded-proto: http\n", "x-forwarded-port: " + port() + "\n",
                "forwarded: for=127.0.0.1;host=web.fleet.test;proto=http\n", "via: 1.1 fleetnet\n", "host: web.fleet.test\n")
                .doesNotContain("6.6.6.6", "spoofed", "x-drop-me");
        assertThat(response.headers()).containsEntry("via", "1.1 fleetnet");
    }

    @Test
    void eachRequestOfAKeepAliveConnectionIsRoutedByTheTableOfItsTimeNotByTheConnectionsLastDecision() throws Exception {
        try (RecordingUpstream machine = new RecordingUpstream(null); Socket client = new Socket("127.0.0.1", port())) {
            int p = machine.port();
            String host = "rec-" + p + ".fleet.test";
            MachineEntry running = new MachineEntry("rec", "127.0.0.1", true, Set.of(p), "", Set.of(p));
            routes.swap(routes.current().withMachine(running));
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] request = ("GET /a?q=1 HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 1; i <= 2; i++) { // the second one takes the connection's kept decision
                out.write(request);
                assertThat(RawHttp.read(in).status()).isEqualTo(200);
                assertThat(machine.heads()).hasSize(i);
            }
            // The same Host and path under a new table: a route that redirects cleartext to HTTPS now holds the name.
            routes.swap(routes.current().withRoute(new RouteSpec(host, "/", "rec", false, p, "rec", false, 0, true)));
            out.write(request);
            RawHttp.Response redirected = RawHttp.read(in);
            assertThat(redirected.status()).isEqualTo(308);
            assertThat(redirected.headers()).containsEntry("location", "https://" + host + "/a?q=1");
            // The route gone and the machine stopped: 503 on the same connection.
            routes.swap(routes.current().withoutRoute(host, "/").withMachine(
                    new MachineEntry("rec", "127.0.0.1", false, Set.of(p), "", Set.of(p))));
            out.write(request);
            assertThat(RawHttp.read(in).status()).isEqualTo(503);
            // Another path on the same connection while it is stopped is refused too; running again, it is forwarded.
            out.write(("GET /b HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(in).status()).isEqualTo(503);
            assertThat(machine.heads()).as("what reached the machine while it was redirected or stopped").hasSize(2);
            routes.swap(routes.current().withMachine(running));
            out.write(request);
            assertThat(RawHttp.read(in).status()).isEqualTo(200);
            assertThat(machine.heads()).hasSize(3);
            assertThat(machine.heads().get(2)).startsWith("GET /a?q=1 HTTP/1.1");
        }
    }

    @Test
    void aClientsConnectionCloseEndsTheConnectionAfterTheResponseAndAnHttp10ClientsToo() throws Exception {
        for (String request : List.of("GET / HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n",
                "GET / HTTP/1.0\r\nHost: web.fleet.test\r\n\r\n")) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                RawHttp.Response response = RawHttp.read(socket.getInputStream());
                assertThat(response.status()).as(request).isEqualTo(200);
                assertThat(response.headers()).as(request).containsEntry("connection", "close");
                assertThat(socket.getInputStream().read()).as("%s: the ingress closes after the response", request).isEqualTo(-1);
            }
        }
    }

    @Test
    void aTrustedProxysForwardingHeadersAreExtendedAndRewriteHostIsHonoured() throws Exception {
        IngressConfig trusting = IngressConfig.builder().naming(new IngressNaming("fleet.test", upstreamPort))
                .trustedProxies(List.of(TrustedProxies.Cidr.parse("127.0.0.0/8"))).build();
        routes.swap(routes.current().withRoute(new dev.fleetnet.routing.RouteSpec("app.example.com", "/", "web", false, upstreamPort, "web", true, 0)));
        try (HttpIngressServer behindProxy = HttpIngressServer.start(trusting, routes, group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            RawHttp.Response response = RawHttp.exchange(behindProxy.address().getPort(), "GET / HTTP/1.1\r\nHost: app.example.com\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nForwarded: for=203.0.113.7;proto=https\r\n"
                    + "Connection: close\r\n\r\n");
            assertThat(response.body()).contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n", "x-forwarded-proto: https\n",
                    "forwarded: for=203.0.113.7;proto=https, for=127.0.0.1;host=app.example.com;proto=http\n",
                    "host: localhost:" + upstreamPort + "\n", "x-forwarded-host: app.example.com\n");
        }
    }

    @Test
    void theUpstreamPoolIsBoundedPerMachineAndQueuesTheRest() throws Exception {
        IngressConfig oneConnection = IngressConfig.builder().naming(new IngressNaming("fleet.test", upstreamPort))
                .upstreamPoolSizePerMachine(1).build();
        EventLoopGroup oneLoop = Transports.group(1); // the bound is per event loop
        try (HttpIngressServer pooled = HttpIngressServer.start(oneConnection, routes, oneLoop,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Socket first = new Socket("127.0.0.1", pooled.address().getPort());
                Socket second = new Socket("127.0.0.1", pooled.address().getPort())) {
            first.setSoTimeout(10_000);
            second.setSoTimeout(10_000);
            first.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(holdReached.await(10, TimeUnit.SECONDS)).isTrue();
            second.getOutputStream().write("GET /queued HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // While the only upstream connection is busy, the second request waits for it.
            second.setSoTimeout(500);
            assertThatThrownBy(() -> second.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
            release.countDown();
            assertThat(RawHttp.read(first.getInputStream()).body()).isEqualTo("released");
            second.setSoTimeout(10_000);
            assertThat(RawHttp.read(second.getInputStream()).body()).startsWith("path=/queued");
        } finally {
            oneLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void proxyPathFormStripsItsPrefixOnlyUnderTheFleetSuffix() throws Exception {
        RawHttp.Response response = RawHttp.exchange(port(), "GET /proxy/web/" + upstreamPort
                + "/a/b HTTP/1.1\r\nHost: whatever.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).startsWith("path=/a/b\n");
        RawHttp.Response elsewhere = RawHttp.exchange(port(), "GET /proxy/web/" + upstreamPort
                + "/a/b HTTP/1.1\r\nHost: whatever.example\r\nConnection: close\r\n\r\n");
        assertThat(elsewhere.status()).isEqualTo(404);
    }

    @Test
    void keepAliveReusesOneUpstreamConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 5; i++) {
                socket.getOutputStream().write(("GET /n" + i + " HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                RawHttp.Response response = RawHttp.read(socket.getInputStream());
                assertThat(response.body()).startsWith("path=/n" + i);
            }
        }
    }

    @Test
    void streamsALargeUploadAndDownload() throws Exception {
        long size = 64L * 1024 * 1024;
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: web.fleet.test\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[256 * 1024];
            for (long left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            assertThat(RawHttp.read(socket.getInputStream()).body()).isEqualTo("received=" + size);

            out.write(("GET /download?n=" + size + " HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            RawHttp.Response head = RawHttp.read(in);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body().length()).isEqualTo(size);
        }
    }

    @Test
    void aResponseHeadReachesTheClientBeforeItsBodyExists() throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        try (ServerSocket machine = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = machine.getLocalPort();
            routes.swap(routes.current().withMachine(new MachineEntry("stream", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = machine.accept()) {
                    RawHttp.readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    // the body exists only once the client has the head: a proxy holding heads back would wait forever
                    if (headSeen.await(10, TimeUnit.SECONDS)) {
                        out.write("5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket socket = new Socket("127.0.0.1", port())) {
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: stream-" + port + ".fleet.test\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String head = RawHttp.readHead(socket.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
                headSeen.countDown();
                RawHttp.Response rest = RawHttp.readChunkedBody(socket.getInputStream());
                assertThat(rest.body()).isEqualTo("hello");
            }
            served.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMachinesResponseWithTwoFramingsIs502AndWhatItLinedUpNeverReachesAnyClient() throws Exception {
        String smuggling = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nX-Smuggled: yes\r\nContent-Length: 6\r\n\r\nforged";
        try (ServerSocket machine = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            int port = machine.getLocalPort();
            routes.swap(routes.current().withMachine(new MachineEntry("smuggler", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) { // every connection it gets answers the same way
                    try (Socket s = machine.accept()) {
                        accepted.incrementAndGet();
                        RawHttp.readHead(s.getInputStream());
                        s.getOutputStream().write(smuggling.getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        s.getInputStream().read(); // until the ingress closes it
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            for (int i = 0; i < 2; i++) {
                try (Socket socket = new Socket("127.0.0.1", port())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: smuggler-" + port + ".fleet.test\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertThat(all).startsWith("HTTP/1.1 502").contains("both Transfer-Encoding and Content-Length")
                            .doesNotContain("X-Smuggled").doesNotContain("forged");
                }
            }
            served.get(10, TimeUnit.SECONDS);
            assertThat(accepted).as("the connection that spoke so is never pooled: the second request opened its own")
                    .hasValue(2);
        }
    }

    @Test
    void anHttp10ClientGetsAChunkedBodyUnchunkedAndClosedNeverChunked() throws Exception {
        for (String connection : List.of("", "Connection: keep-alive\r\n")) {
            RawHttp.Response response = RawHttp.exchange(port(), "GET /download?n=100000 HTTP/1.0\r\nHost: web.fleet.test\r\n"
                    + connection + "\r\n");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).doesNotContainKey("transfer-encoding"); // RFC 9112 6.1: not to HTTP/1.0
            assertThat(response.headers().get("connection")).isEqualToIgnoringCase("close");
            assertThat(response.body()).hasSize(100000); // ended by the close, read to the end
        }
    }

    @Test
    void refusedUpstreamIs502AndSlowUpstreamIs504() throws Exception {
        RawHttp.Response refused = RawHttp.exchange(port(), "GET / HTTP/1.1\r\nHost: web-" + closedPort
                + ".fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.body()).contains("\"machine\": \"web\"", "\"port\": " + closedPort);

        RawHttp.Response slow = RawHttp.exchange(port(), "GET /hold HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(slow.status()).isEqualTo(504);
    }

    @Test
    void invalidChunkSizeIs400AndNeverReachesTheMachine() throws Exception {
        RawHttp.Response response = RawHttp.exchange(port(), "POST /upload HTTP/1.1\r\nHost: web.fleet.test\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        assertThat(response.status()).isEqualTo(400);
    }

    @Test
    void webSocketEchoesThroughTheProxy() throws Exception {
        int wsPort = ((InetSocketAddress) webSocketUpstream.localAddress()).getPort();
        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Host", "anything.fleet.test") // needs -Djdk.httpclient.allowRestrictedHeaders=host (pom)
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + "/proxy/web/" + wsPort + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("hello", true);
        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }

    @Test
    void deletingTheRouteClosesTheWebSocketTunnelsThatWentThroughItWhileTheMachineRuns() throws Exception {
        int wsPort = ((InetSocketAddress) webSocketUpstream.localAddress()).getPort();
        RouteSpec chat = new RouteSpec("chat.example.com", "/", "web", false, wsPort, "web", false, 0);
        IngressUpdater updater = new IngressUpdater(routes, connector);
        IngressState withChat = new IngressState(routes.current().state().machines(), Map.of(chat.key(), chat));
        updater.apply(withChat);
        // A raw client: the JDK's WebSocket client sometimes misses a FIN that follows a frame (it stays in CLOSE-WAIT).
        try (RawWebSocket ws = RawWebSocket.plain(port(), "chat.example.com", "/ws", RawWebSocket.upgrade(null, null))) {
            assertThat(ws.status()).isEqualTo(101);
            ws.sendText("hello");
            assertThat(ws.read().text()).isEqualTo("echo: hello");
            updater.apply(withChat); // unchanged: the tunnel stays
            assertThat(connector.openOnRoute("http", chat.key())).isEqualTo(1);

            updater.apply(new IngressState(routes.current().state().machines(), Map.of())); // the route goes, the machine stays

            assertThat(ws.ended()).as("the tunnel was cut: the client saw the end of the connection").isTrue();
        }
        assertThat(routes.current().machine("web").running()).isTrue();
        assertThat(webSocketUpstream.isActive()).as("the machine's server is still up: not why the tunnel ended").isTrue();
    }

    @Test
    void stoppingAMachineClosesItsOpenConnectionsAndAnswers503() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(holdReached.await(10, TimeUnit.SECONDS)).as("request reached the upstream").isTrue();
            routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", false, Set.of(upstreamPort), "", Set.of(upstreamPort))));
            ingress.closeConnectionsTo("127.0.0.1");
            RawHttp.Response cut = RawHttp.read(socket.getInputStream());
            assertThat(cut.status()).isEqualTo(502);
        }
        RawHttp.Response after = RawHttp.exchange(port(), "GET / HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(after.status()).isEqualTo(503);
    }

    private int closedPort;

    private int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        return closedPort;
    }

    private int port() {
        return ingress.address().getPort();
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.Transports;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limits an internet-facing edge needs, over real loopback sockets and real upstreams. */
class EdgeLimitsTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch holdReached = new CountDownLatch(1);
    private EventLoopGroup group;
    private HttpServer upstream;
    private RecordingUpstream recording;
    private HttpIngressServer ingress;

    private void start(IngressConfig.Builder config, int upstreamPort) throws Exception {
        group = Transports.group(1);
        IngressConfig built = config.naming(new IngressNaming("fleet.test", upstreamPort)).trustedProxies(List.of()).build();
        IngressRoutes routes = IngressRoutes.empty(built.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstreamPort), "", Set.of(upstreamPort))));
        ingress = HttpIngressServer.start(built, routes, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (ingress != null) {
            ingress.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
        if (recording != null) {
            recording.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void send(Socket socket, String text) throws Exception {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    @Test
    void oneClientAddressGetsAtMostItsShareOfConnections() throws Exception {
        recording = new RecordingUpstream(null);
        start(IngressConfig.builder().maxConnectionsPerClient(2), recording.port());
        try (Socket a = new Socket("127.0.0.1", ingress.address().getPort());
                Socket b = new Socket("127.0.0.1", ingress.address().getPort());
                Socket c = new Socket("127.0.0.1", ingress.address().getPort())) {
            c.setSoTimeout(5000);
            send(c, "GET /third HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            int first;
            try {
                first = c.getInputStream().read();
            } catch (java.net.SocketException reset) { // closed with our request unread: a reset, also unanswered
                first = -1;
            }
            assertThat(first).as("the third connection is closed unanswered").isEqualTo(-1);
            for (Socket s : List.of(a, b)) {
                s.setSoTimeout(5000);
                send(s, "GET /ok HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
                assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
            }
        }
        assertThat(recording.heads()).hasSize(2).noneMatch(h -> h.startsWith("GET /third"));
    }

    @Test
    void aBodyTrickledPastTheRequestDeadlineGets408AndTheMachineNeverSeesItComplete() throws Exception {
        recording = new RecordingUpstream(null);
        start(IngressConfig.builder().requestTimeout(Duration.ofMillis(500)), recording.port());
        try (Socket socket = new Socket("127.0.0.1", ingress.address().getPort())) {
            socket.setSoTimeout(5000);
            send(socket, "POST /slow HTTP/1.1\r\nHost: web.fleet.test\r\nContent-Length: 10\r\n\r\nabc"); // 7 bytes never come
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 408 ").contains("request body not received within");
        }
        // the upstream connection carrying the partial request was closed, so no response for it was ever produced;
        // the upstream records the partial body once it sees that close, which may come just after the 408
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!recording.raw().contains("abc") && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling interval
        }
        assertThat(recording.raw()).contains("abc").doesNotContain("abcdefg");
    }

    @Test
    void aFullUpstreamPoolAnswers503AfterTheBoundedWait() throws Exception {
        upstream = Upstreams.http(release, holdReached);
        start(IngressConfig.builder().upstreamPoolSizePerMachine(1).upstreamAcquireTimeout(Duration.ofMillis(300)),
                upstream.getAddress().getPort());
        try (Socket holder = new Socket("127.0.0.1", ingress.address().getPort());
                Socket waiter = new Socket("127.0.0.1", ingress.address().getPort())) {
            send(holder, "GET /hold HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            assertThat(holdReached.await(5, TimeUnit.SECONDS)).isTrue();
            waiter.setSoTimeout(5000);
            long start = System.nanoTime();
            send(waiter, "GET /waits HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            RawHttp.Response response = RawHttp.read(waiter.getInputStream());
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).contains("machine busy: no upstream connection free within 300 ms");
            assertThat(System.nanoTime() - start).as("answered after the wait, not the 60 s response timeout")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
            release.countDown();
            holder.setSoTimeout(5000);
            assertThat(RawHttp.read(holder.getInputStream()).body()).isEqualTo("released");
        }
    }

    @Test
    void anIdleWebSocketTunnelIsClosedAfterItsOwnTimeout() throws Exception {
        group = Transports.group(1);
        io.netty.channel.Channel echo = Upstreams.webSocketEcho(group);
        int port = ((InetSocketAddress) echo.localAddress()).getPort();
        IngressConfig built = IngressConfig.builder().naming(new IngressNaming("fleet.test", port)).trustedProxies(List.of())
                .idleTimeout(Duration.ofSeconds(30)).webSocketIdleTimeout(Duration.ofMillis(400)).build();
        IngressRoutes routes = IngressRoutes.empty(built.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
        ingress = HttpIngressServer.start(built, routes, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Socket socket = new Socket("127.0.0.1", ingress.address().getPort())) {
            socket.setSoTimeout(10_000);
            send(socket, "GET /ws HTTP/1.1\r\nHost: web.fleet.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(RawHttp.read(in).status()).isEqualTo(101);
            long start = System.nanoTime();
            assertThat(in.read()).as("closed by the tunnel's idle limit").isEqualTo(-1);
            assertThat(System.nanoTime() - start).as("well before the 30 s HTTP idle timeout").isLessThan(TimeUnit.SECONDS.toNanos(10));
        } finally {
            echo.close().syncUninterruptibly();
        }
    }
}

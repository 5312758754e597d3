package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.Transports;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection-level limits over real loopback sockets: slowloris, idle connections, connection count. */
class IngressLimitsTest {
    private EventLoopGroup group;
    private HttpIngressServer server;

    private void start(IngressConfig.Builder config) throws Exception {
        group = Transports.group(1);
        IngressConfig built = config.naming(new IngressNaming("fleet.test", 8080)).build();
        server = HttpIngressServer.start(built, IngressRoutes.empty(built.naming()), group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void headersTrickledSlowerThanTheTimeoutGet408AndTheConnectionCloses() throws Exception {
        start(IngressConfig.builder().headerReadTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // never finished
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 408 Request Timeout").contains("request headers not received in time");
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        start(IngressConfig.builder().idleTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(RawHttp.read(in).status()).isEqualTo(200);
            assertThat(in.read()).as("closed by the server, not timed out by the client").isEqualTo(-1);
        }
    }

    @Test
    void connectionsBeyondTheMaximumAreClosedAtOnce() throws Exception {
        start(IngressConfig.builder().maxConnections(1));
        try (Socket first = new Socket("127.0.0.1", server.address().getPort());
                Socket second = new Socket("127.0.0.1", server.address().getPort())) {
            second.setSoTimeout(5000);
            assertThat(second.getInputStream().read()).isEqualTo(-1);
            first.setSoTimeout(5000);
            first.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(first.getInputStream()).status()).isEqualTo(200);
        }
    }
}

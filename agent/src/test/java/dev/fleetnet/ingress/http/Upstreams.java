package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.MachineEntry;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Real upstream servers on loopback for the ingress tests. */
final class Upstreams {
    private Upstreams() {}

    /**
     * An ingress on loopback whose route table has one running machine, {@code web} at 127.0.0.1,
     * exposing {@code port} (the implicit routes under {@code config}'s suffix reach it).
     */
    static HttpIngressServer ingressToWeb(IngressConfig config, int port, EventLoopGroup group) throws InterruptedException {
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
        return HttpIngressServer.start(config, routes, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /**
     * An ingress on loopback terminating TLS for {@code a.test} with {@code cert} (HTTP/2 offered),
     * routing it to the running machine {@code web} at 127.0.0.1:{@code port}, spoken to over h2c
     * when {@code h2c}.
     */
    static HttpIngressServer tlsIngressToWeb(int port, boolean h2c, Certificate cert, EventLoopGroup group)
            throws InterruptedException {
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", port))
                .upstreamResponseTimeout(Duration.ofSeconds(5)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
        routes.swap(routes.current().withRoute(new RouteSpec("a.test", "/", "web", false, port, "web", false, 0,
                false, h2c)));
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(cert), List.of());
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        return HttpIngressServer.start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()),
                group, loopback, loopback, store, H2Options.defaults());
    }

    /** A JDK HTTP server with a few behaviours under test. */
    static HttpServer http(CountDownLatch release, CountDownLatch holdReached) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            StringBuilder body = new StringBuilder("path=" + ex.getRequestURI() + "\n");
            ex.getRequestHeaders().forEach((name, values) -> body.append(name.toLowerCase()).append(": ")
                    .append(String.join(",", values)).append('\n'));
            send(ex, 200, body.toString());
        });
        server.createContext("/upload", ex -> {
            long total = 0;
            try (InputStream in = ex.getRequestBody()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                }
            }
            send(ex, 200, "received=" + total);
        });
        server.createContext("/download", ex -> {
            long size = Long.parseLong(ex.getRequestURI().getQuery().substring(2));
            ex.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = ex.getResponseBody()) {
                byte[] buf = new byte[64 * 1024];
                for (long left = size; left > 0; left -= buf.length) {
                    out.write(buf, 0, (int) Math.min(buf.length, left));
                }
            }
        });
        server.createContext("/hold", ex -> {
            holdReached.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // the behaviour under test: an upstream that has not answered yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(ex, 200, "released");
        });
        server.start();
        return server;
    }

    /** A netty WebSocket server that echoes text frames with an "echo: " prefix. */
    static Channel webSocketEcho(EventLoopGroup group) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo: " + frame.text()));
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

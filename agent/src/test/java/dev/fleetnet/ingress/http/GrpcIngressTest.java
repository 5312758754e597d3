package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through the ingress: a grpc-java client over TLS (ALPN h2, authority = the route's
 * hostname) to a grpc-java server speaking plain h2c behind an {@code h2c} route: unary and
 * server-streaming calls, status and custom trailers, deadlines passed through untouched.
 */
class GrpcIngressTest {
    @TempDir
    static java.nio.file.Path dir;
    static Certificate cert;
    static Certificate downCert;
    static EventLoopGroup group;
    static EchoGrpc echo;
    static Server server;
    static HttpIngressServer ingress;
    static UpstreamConnector connector;
    static ManagedChannel channel;
    static final List<IngressObserver.RequestRecord> records = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        cert = TestCertificates.make(dir, "g.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        downCert = TestCertificates.make(dir, "down.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        echo = new EchoGrpc();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo.service()).build().start();
        int port = server.getPort();
        group = Transports.group(1);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", port)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("grpc", "127.0.0.1", true, Set.of(port), "", Set.of(port))));
        routes.swap(routes.current().withRoute(new RouteSpec("g.test", "/", "grpc", false, port, "grpc", false, 0, false, true)));
        int closed = closedPort();
        routes.swap(routes.current().withMachine(new MachineEntry("down", "127.0.0.1", true, Set.of(closed), "", Set.of(closed))));
        routes.swap(routes.current().withRoute(new RouteSpec("down.test", "/", "down", false, closed, "down", false, 0, false, true)));
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(cert, downCert), List.of());
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        connector = new UpstreamConnector(config.upstreamConnectTimeout());
        ingress = HttpIngressServer.start(config, routes, connector, group,
                loopback, loopback, store, H2Options.defaults(new IngressObserver() {
                    @Override
                    public void request(RequestRecord record) {
                        records.add(record);
                    }
                }));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", ingress.tlsAddress().getPort()).overrideAuthority("g.test")
                .sslContext(GrpcSslContexts.forClient().trustManager(TestCertificates.leaf(cert.getCertificateChainPem())).build())
                .build();
    }

    /** A loopback port nobody listens on (bound, then released). */
    private static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        // the ingress's side of the closed connections ends before its loop does (a loop shut down with a connection
        // still open never tears that connection's handlers down, and their buffers are lost)
        dev.fleetnet.ingress.core.Poll.until(Duration.ofSeconds(5), "the ingress's connections closed", () -> ingress.openConnections() == 0);
        ingress.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void unaryCallPassesWithItsTrailerAndForwardingHeaders() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var captured = ClientInterceptors.intercept(channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        String reply = ClientCalls.blockingUnaryCall(captured, EchoGrpc.SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hi");
        assertThat(reply).isEqualTo("echo: hi");
        assertThat(trailers.get().get(EchoGrpc.TRAILER)).isEqualTo("bye");
        assertThat(headers.get().get(Metadata.Key.of("via", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("2 fleetnet");
        Metadata seen = echo.lastHeaders.get("Say");
        assertThat(seen.get(key("x-forwarded-proto"))).isEqualTo("https");
        assertThat(seen.get(key("x-forwarded-for"))).isEqualTo("127.0.0.1");
        assertThat(seen.get(key("forwarded"))).startsWith("for=127.0.0.1;host=g.test;proto=https");
        assertThat(seen.get(key("via"))).isEqualTo("1.1 fleetnet");
        assertThat(seen.get(key("grpc-timeout"))).as("deadline passed through").isNotNull();
        assertThat(seen.get(key("x-http2-scheme"))).isNull();
    }

    @Test
    void serverStreamingCallPassesEveryMessage() {
        List<String> replies = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, EchoGrpc.COUNT, CallOptions.DEFAULT, "50").forEachRemaining(replies::add);
        assertThat(replies).hasSize(50).startsWith("n1", "n2").endsWith("n50");
    }

    @Test
    void anErrorStatusArrivesInTheTrailers() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoGrpc.FAIL, CallOptions.DEFAULT, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: x");
                    assertThat(e.getTrailers().get(EchoGrpc.TRAILER)).isEqualTo("bye");
                });
    }

    @Test
    void aDeadlineShorterThanTheHandlerIsExceeded() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoGrpc.SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(echo.slowCancelled.await(5, TimeUnit.SECONDS)).as("the machine saw the stream reset").isTrue();
        // The channel still serves calls after the cancelled stream (RST_STREAM, not the connection).
        assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpc.SAY, CallOptions.DEFAULT, "again")).isEqualTo("echo: again");
    }

    @Test
    void manyConcurrentCallsShareTheConnection() throws Exception {
        List<com.google.common.util.concurrent.ListenableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(ClientCalls.futureUnaryCall(channel.newCall(EchoGrpc.SAY, CallOptions.DEFAULT), "c" + i));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("echo: c" + i);
        }
        assertThat(records).anySatisfy(r -> {
            assertThat(r.httpVersion()).isEqualTo("h2");
            assertThat(r.path()).isEqualTo("/test.Echo/Say");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.machine()).isEqualTo("grpc");
            assertThat(r.route().route()).isEqualTo("g.test/");
            assertThat(r.upstreamNanos()).isPositive().isLessThanOrEqualTo(r.durationNanos());
        });
    }

    @Test
    void anUnreachableH2cMachineIsUnavailable() throws Exception {
        ManagedChannel down = NettyChannelBuilder.forAddress("127.0.0.1", ingress.tlsAddress().getPort())
                .overrideAuthority("down.test")
                .sslContext(GrpcSslContexts.forClient().trustManager(TestCertificates.leaf(downCert.getCertificateChainPem())).build())
                .build();
        try {
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(down, EchoGrpc.SAY, CallOptions.DEFAULT, "x"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE); // HTTP 502 in gRPC terms
                        assertThat(e.getStatus().getDescription()).contains("502");
                    });
        } finally {
            down.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anHttp11ClientReachesTheH2cMachineOverHttp2AndGetsTheTrailersChunked() throws Exception {
        byte[] message = "hi over 1.1".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream grpcFrame = new ByteArrayOutputStream();
        grpcFrame.write(0); // not compressed
        grpcFrame.write(ByteBuffer.allocate(4).putInt(message.length).array());
        grpcFrame.write(message);
        String head = "POST /test.Echo/Say HTTP/1.1\r\nHost: g.test\r\nContent-Type: application/grpc\r\nTE: trailers\r\n"
                + "Content-Length: " + grpcFrame.size() + "\r\nConnection: close\r\n\r\n";
        String response;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), ingress.address().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(grpcFrame.toByteArray());
            socket.getOutputStream().flush();
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(response.toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/grpc")
                .contains("transfer-encoding: chunked").doesNotContain("x-http2-");
        assertThat(response).contains("echo: hi over 1.1");
        // the gRPC status and the machine's own trailer arrive as HTTP/1.1 chunked trailers
        assertThat(response.substring(response.indexOf("\r\n0\r\n"))).contains("grpc-status: 0").contains("x-echo-trailer: bye");
        Metadata seen = echo.lastHeaders.get("Say");
        assertThat(seen.get(key("x-forwarded-proto"))).as("this request, not a TLS one").isEqualTo("http");
        assertThat(seen.get(key("via"))).isEqualTo("1.1 fleetnet");
    }

    @Test
    void aWebSocketUpgradeOnAnH2cRouteIsRefusedWithoutTouchingTheMachine() throws Exception {
        int before = connector.open("127.0.0.1");
        RawHttp.Response response = RawHttp.exchange(ingress.address().getPort(), "GET /chat HTTP/1.1\r\nHost: g.test\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(response.status()).isEqualTo(501);
        assertThat(response.body()).contains("h2c");
        assertThat(connector.open("127.0.0.1")).as("no connection was opened to the machine").isEqualTo(before);
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}

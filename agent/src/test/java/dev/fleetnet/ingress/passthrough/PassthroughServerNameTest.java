package dev.fleetnet.ingress.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.RecordingObserver;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Odd ClientHellos on the TLS listener, built byte by byte: the passthrough route of
 * {@code secure.test} takes exactly the ones whose first server_name entry is a host_name that
 * normalises to it (case, a trailing dot), however the hello is cut into TLS records or TCP
 * segments, and its machine gets the bytes unchanged; any other hello (another name first, a
 * non-host_name entry first, an empty name, bytes outside a DNS name) goes to termination and the
 * machine gets nothing.
 */
class PassthroughServerNameTest {
    @TempDir
    static Path dir;
    static EventLoopGroup group;
    static ServerSocket machine;
    /** Every connection the machine accepted, with what it read on it. */
    static final List<ByteArrayOutputStream> connections = new CopyOnWriteArrayList<>();
    static final RecordingObserver observer = new RecordingObserver();
    static HttpIngressServer ingress;

    @BeforeAll
    static void start() throws Exception {
        Certificate ingressCert = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        machine = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(PassthroughServerNameTest::accept);
        group = Transports.group(1);
        UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(5));
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", 8080)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        int port = machine.getLocalPort();
        new IngressUpdater(routes, connector).apply(new IngressState(
                Map.of("secure", new MachineEntry("secure", "127.0.0.1", true, Set.of(port), "", Set.of(port))),
                Map.of("a.test/", new RouteSpec("a.test", "/", "secure", false, port, "secure", false, 0)),
                Map.of("tls/secure.test", StreamRoute.passthrough("secure.test", "secure", false, port, "secure", false))));
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(ingressCert), List.of());
        StreamRelay relay = new StreamRelay(connector, observer, Duration.ofMinutes(5));
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ingress = HttpIngressServer.start(config, routes, connector, group, loopback, loopback, store, new ConnectionLimiter(100, 100),
                () -> new PassthroughHandler(routes, relay, observer, Duration.ofSeconds(10)), H2Options.defaults());
    }

    @AfterAll
    static void stop() throws IOException {
        ingress.close();
        machine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void accept() {
        while (!machine.isClosed()) {
            try {
                Socket s = machine.accept();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                connections.add(got);
                Thread.ofPlatform().daemon().start(() -> {
                    try (s; InputStream in = s.getInputStream()) {
                        byte[] buf = new byte[4096];
                        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                            synchronized (got) {
                                got.write(buf, 0, n);
                            }
                        }
                    } catch (IOException gone) {
                        // the test closed its client
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** A server_name entry: its type (0 host_name), then the name. */
    private static byte[] entry(int type, String name) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        u16(out, n.length);
        out.writeBytes(n);
        return out.toByteArray();
    }

    /** A server_name extension (type 0) holding {@code entries}. */
    private static byte[] serverName(byte[]... entries) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        Arrays.stream(entries).forEach(list::writeBytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, 0);
        u16(out, list.size() + 2);
        u16(out, list.size());
        out.writeBytes(list.toByteArray());
        return out.toByteArray();
    }

    /** A ClientHello handshake message (TLS 1.2 legacy version, one cipher suite) with {@code extensions}. */
    private static byte[] hello(byte[]... extensions) {
        ByteArrayOutputStream exts = new ByteArrayOutputStream();
        Arrays.stream(extensions).forEach(exts::writeBytes);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 0x0303);
        body.writeBytes(new byte[32]); // random
        body.write(0); // session id
        u16(body, 2);
        u16(body, 0x1301); // TLS_AES_128_GCM_SHA256
        body.write(1);
        body.write(0); // null compression
        u16(body, exts.size());
        body.writeBytes(exts.toByteArray());
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        message.write(1); // client_hello
        message.write(body.size() >>> 16);
        u16(message, body.size());
        message.writeBytes(body.toByteArray());
        return message.toByteArray();
    }

    /** {@code handshake} in TLS handshake records, cut at {@code cuts}. */
    private static byte[] records(byte[] handshake, int... cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int to : java.util.stream.IntStream.concat(Arrays.stream(cuts), java.util.stream.IntStream.of(handshake.length)).toArray()) {
            out.write(22);
            u16(out, 0x0301);
            u16(out, to - from);
            out.write(handshake, from, to - from);
            from = to;
        }
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static Arguments hello(String name, byte[] bytes, boolean byteByByte) {
        return Arguments.of(Named.of(name, bytes), byteByByte);
    }

    static Stream<Arguments> toTheMachine() {
        byte[] plain = hello(serverName(entry(0, "secure.test")));
        byte[] early = Arrays.copyOf(records(plain), records(plain).length + 7);
        System.arraycopy("APPDATA".getBytes(StandardCharsets.US_ASCII), 0, early, early.length - 7, 7);
        return Stream.of(
                hello("one record", records(plain), false),
                hello("two records", records(plain, 50), false),
                hello("five records, one byte per TCP segment", records(plain, 10, 45, 50, 55), true),
                hello("a record boundary inside the name", records(plain, plain.length - 5), false),
                hello("uppercase", records(hello(serverName(entry(0, "SECURE.Test")))), false),
                hello("a trailing dot", records(hello(serverName(entry(0, "secure.test.")))), false),
                hello("secure.test, then a.test", records(hello(serverName(entry(0, "secure.test"), entry(0, "a.test")))), false),
                hello("bytes after the hello", early, false));
    }

    static Stream<Arguments> toTermination() {
        return Stream.of(
                hello("a.test, then secure.test", records(hello(serverName(entry(0, "a.test"), entry(0, "secure.test")))), false),
                hello("a non-host_name entry, then secure.test", records(hello(serverName(entry(1, "x"), entry(0, "secure.test")))),
                        false),
                hello("an empty name", records(hello(serverName(entry(0, "")))), false),
                hello("NUL after the name", records(hello(serverName(entry(0, "secure.test\0")))), false),
                hello("a non-ASCII byte", records(hello(serverName(entry(0, "s\u00e9cure.test")))), false),
                hello("two server_name extensions, a.test first", records(hello(serverName(entry(0, "a.test")),
                        serverName(entry(0, "secure.test")))), false));
    }

    private static Socket send(byte[] bytes, boolean byteByByte) throws IOException {
        Socket s = new Socket();
        s.connect(ingress.tlsAddress(), 5000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        if (byteByByte) {
            for (byte b : bytes) {
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
            }
        } else {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("toTheMachine")
    void theMachineGetsTheHelloByteForByte(byte[] bytes, boolean byteByByte) throws Exception {
        int before = connections.size();
        try (Socket s = send(bytes, byteByByte)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (connections.size() == before || received(connections.getLast()).length < bytes.length) {
                assertThat(System.nanoTime()).as("the machine got the hello within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(connections).hasSize(before + 1);
            assertThat(received(connections.getLast())).isEqualTo(bytes);
        }
    }

    @ParameterizedTest
    @MethodSource("toTermination")
    void anyOtherHelloIsTerminatedHereAndTheMachineGetsNothing(byte[] bytes, boolean byteByByte) throws Exception {
        int before = connections.size();
        int routed = observer.opened.size();
        try (Socket s = send(bytes, byteByByte)) {
            assertThat(s.getInputStream().read()).as("a TLS alert from termination").isEqualTo(21);
        }
        assertThat(connections).hasSize(before);
        assertThat(observer.opened).hasSize(routed);
    }

    private static byte[] received(ByteArrayOutputStream got) {
        synchronized (got) {
            return got.toByteArray();
        }
    }
}

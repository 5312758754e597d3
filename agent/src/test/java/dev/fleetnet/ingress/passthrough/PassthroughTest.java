package dev.fleetnet.ingress.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.RecordingObserver;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS passthrough on the real TLS listener, with termination beside it: a name a passthrough
 * route holds reaches a machine that terminates TLS itself (the client sees the machine's
 * certificate; the machine gets the ClientHello byte for byte), other names are terminated as
 * before, and a stopped machine's relays close and its name gets {@code internal_error}.
 */
class PassthroughTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** Termination's ClientHello limit: short, so a relay outliving it shows that termination's timer is gone. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);
    @TempDir
    static Path dir;
    static Certificate machineCert;
    static Certificate ingressCert;

    private final EventLoopGroup group = Transports.group(1);
    private final UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(5));
    private final RecordingObserver observer = new RecordingObserver();
    private IngressRoutes routes;
    private IngressUpdater updater;
    private TlsMachine machine;
    private HttpIngressServer ingress;

    @BeforeAll
    static void certificates() throws Exception {
        machineCert = TestCertificates.make(dir, "secure.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
        ingressCert = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
    }

    @BeforeEach
    void start() throws Exception {
        machine = new TlsMachine(machineCert);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", 8080))
                .tlsHandshakeTimeout(HANDSHAKE_TIMEOUT).build();
        routes = IngressRoutes.empty(config.naming());
        updater = new IngressUpdater(routes, connector);
        apply(true);
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(ingressCert), List.of());
        StreamRelay relay = new StreamRelay(connector, observer, Duration.ofMinutes(5));
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ingress = HttpIngressServer.start(config, routes, connector, group, loopback, loopback, store,
                new ConnectionLimiter(100, 100), () -> new PassthroughHandler(routes, relay, observer, Duration.ofSeconds(10)),
                dev.fleetnet.ingress.h2.H2Options.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        try {
            ingress.close();
        } finally {
            machine.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void apply(boolean running) {
        int port = machine.port();
        MachineEntry secure = new MachineEntry("secure", "127.0.0.1", running, Set.of(port), "", Set.of(port));
        MachineEntry web = new MachineEntry("web", "127.0.0.1", true, Set.of(port), "", Set.of(port));
        Map<String, StreamRoute> streams = Map.of(
                "tls/secure.test", StreamRoute.passthrough("secure.test", "secure", false, port, "secure", false),
                "tls/*.pp.test", StreamRoute.passthrough("*.pp.test", "secure", false, port, "secure", true));
        updater.apply(new IngressState(Map.of("secure", secure, "web", web),
                Map.of("a.test/", new RouteSpec("a.test", "/", "web", false, port, "web", false, 0)), streams));
    }

    private SSLSocket connect(String serverName) throws Exception {
        // a context per connection: a session cached from another name would be offered for resumption
        SSLContext context = TestCertificates.trusting(List.of(machineCert, ingressCert));
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        socket.connect(ingress.tlsAddress(), 5000);
        socket.setSoTimeout((int) LIMIT.toMillis());
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private static String exchange(SSLSocket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static String leaf(SSLSocket socket) throws Exception {
        return TestCertificates.fingerprint(socket.getSession().getPeerCertificates()[0]);
    }

    @Test
    void aPassthroughNameReachesTheMachineWhichPresentsItsOwnCertificate() throws Exception {
        try (SSLSocket s = connect("secure.test")) {
            assertThat(leaf(s)).isEqualTo(machineCert.getInfo().getSha256Fingerprint());
            assertThat(exchange(s, "hello")).isEqualTo("machine: hello");
        }
        assertThat(machine.arrivals.poll(10, TimeUnit.SECONDS).proxy()).as("no PROXY header unless asked").isNull();
        assertThat(observer.opened).containsExactly(new RouteLabel("tls/secure.test", "tls-passthrough", "secure"));
    }

    @Test
    void aRelayOutlivesTheHandshakeTimeoutOfTheTerminationItReplaced() throws Exception {
        try (SSLSocket s = connect("secure.test")) {
            long opened = System.nanoTime();
            assertThat(exchange(s, "first")).isEqualTo("machine: first");
            // A timer test: the relay must still be open once termination's timer would have fired.
            Thread.sleep(Math.max(0, HANDSHAKE_TIMEOUT.multipliedBy(2).toMillis() - (System.nanoTime() - opened) / 1_000_000));
            assertThat(exchange(s, "later")).isEqualTo("machine: later");
        }
    }

    @Test
    void theMachineReceivesTheClientHelloByteForByte() throws Exception {
        SSLEngine engine = TestCertificates.trusting(List.of(machineCert)).createSSLEngine("secure.test", 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName("secure.test")));
        engine.setSSLParameters(params);
        ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), hello);
        byte[] sent = Arrays.copyOf(hello.array(), hello.position());
        try (Socket raw = new Socket()) {
            raw.connect(ingress.tlsAddress(), 5000);
            raw.getOutputStream().write(sent);
            raw.getOutputStream().flush();
            TlsMachine.Arrival arrival = machine.arrivals.poll(LIMIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(arrival).as("something reached the machine").isNotNull();
            assertThat(arrival.clientHello()).isEqualTo(sent);
        }
    }

    @Test
    void aWildcardRouteWithProxyProtocolSendsTheClientsAddressBeforeTheClientHello() throws Exception {
        try (SSLSocket s = connect("tenant-7.pp.test")) {
            assertThat(leaf(s)).as("the machine's certificate, though it names secure.test")
                    .isEqualTo(machineCert.getInfo().getSha256Fingerprint());
        } catch (SSLException hostnameMismatch) {
            // the JDK client refuses the machine's name for tenant-7.pp.test after the handshake: the machine was reached
        }
        TlsMachine.Arrival arrival = machine.arrivals.poll(LIMIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(arrival).isNotNull();
        assertThat(arrival.proxy()).isNotNull();
        assertThat(arrival.proxy().source().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(arrival.proxy().destination().getPort()).isEqualTo(ingress.tlsAddress().getPort());
    }

    @Test
    void otherNamesAreTerminatedAsBefore() throws Exception {
        try (SSLSocket s = connect("a.test")) {
            assertThat(leaf(s)).as("the ingress's own certificate").isEqualTo(ingressCert.getInfo().getSha256Fingerprint());
        }
        assertThatThrownBy(() -> connect("nobody.test").close()).isInstanceOf(SSLException.class)
                .hasMessageContaining("unrecognized_name");
        assertThat(machine.arrivals).isEmpty();
        assertThat(observer.opened).isEmpty();
    }

    @Test
    void stoppingTheMachineClosesOpenRelaysAndNewConnectionsGetInternalError() throws Exception {
        try (SSLSocket open = connect("secure.test")) {
            assertThat(exchange(open, "before")).isEqualTo("machine: before");
            assertThat(connector.open("127.0.0.1")).isEqualTo(1);

            apply(false); // the view stops the machine; its server keeps running

            assertThat(open.getInputStream().read()).as("the relay is closed").isEqualTo(-1);
        } catch (SSLException closedWithoutCloseNotify) {
            // also a close: the ingress does not speak TLS on this connection, so no close_notify
        }
        machine.arrivals.clear();
        assertThatThrownBy(() -> connect("secure.test").close()).isInstanceOf(SSLException.class)
                .hasMessageContaining("internal_error");
        assertThat(machine.arrivals).as("nothing connected").isEmpty();
        assertThat(observer.connectFailed).contains(new RouteLabel("tls/secure.test", "tls-passthrough", "secure"));

        apply(true);
        try (SSLSocket again = connect("secure.test")) {
            assertThat(exchange(again, "after")).isEqualTo("machine: after");
        }
    }

    @Test
    void aRefusedConnectionIsNotRoutedAgainWhenTheRouteComesBackWhileItCloses() throws Exception {
        apply(false);
        // The machine comes back on the event loop, in the middle of the refusal: before the refused
        // connection's close has run its course, and before its held ClientHello is released.
        observer.afterClosed = record -> apply(true);
        assertThatThrownBy(() -> connect("secure.test").close()).isInstanceOf(SSLException.class)
                .hasMessageContaining("internal_error");
        observer.afterClosed = record -> {};

        // A second connection, served by the same single event loop after the first one's close
        // events, reaches the machine; the first must not have reached it on the way out.
        try (SSLSocket again = connect("secure.test")) {
            assertThat(exchange(again, "after")).isEqualTo("machine: after");
        }
        assertThat(machine.accepted.get()).as("connections the machine accepted: only the second client's").isEqualTo(1);
        assertThat(observer.closed.stream().filter(r -> r.outcome().startsWith("refused")).count())
                .as("the refusal is reported once").isEqualTo(1);
        assertThat(observer.opened).as("connections routed: the refusal and the second client's relay").hasSize(2);
        assertThat(observer.connectFailed).as("only the refusal; no connect attempted for the closed client").hasSize(1);
    }
}

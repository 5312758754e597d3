package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS listener and the cleartext additions on real loopback sockets, judged by the served
 * leaf (JDK client and {@code openssl s_client}) and by what a recording upstream received.
 */
class TlsIngressTest {
    @TempDir
    static Path dir;
    static Certificate fleetA;
    static Certificate uploadedA;
    static Certificate fleetB;
    static Certificate renewedB;
    static Certificate wildcard;
    static List<Certificate> all;

    private EventLoopGroup group;
    private RecordingUpstream upstream;
    private CertificateStore store;
    private HttpIngressServer ingress;

    @BeforeAll
    static void certificates() throws Exception {
        fleetA = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        uploadedA = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
        fleetB = TestCertificates.make(dir, "b.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        renewedB = TestCertificates.make(dir, "b.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        wildcard = TestCertificates.make(dir, "*.w.test", CertificateSource.CERTIFICATE_SOURCE_ACME);
        all = List.of(fleetA, uploadedA, fleetB, renewedB, wildcard);
    }

    @BeforeEach
    void start() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("BoringSSL: %s", OpenSsl.unavailabilityCause()).isTrue();
        group = Transports.group(1);
        upstream = new RecordingUpstream(null);
        store = new CertificateStore(ServerSslContexts.preferred());
        assertThat(store.factory().provider()).isEqualTo(SslProvider.OPENSSL);
        ingress = startIngress(store);
    }

    private HttpIngressServer startIngress(CertificateStore certificates) throws Exception {
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", upstream.port()))
                .upstreamResponseTimeout(Duration.ofSeconds(2)).tlsHandshakeTimeout(Duration.ofSeconds(1)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstream.port()), "", Set.of(upstream.port()))));
        int port = upstream.port();
        routes.swap(routes.current().withRoute(new RouteSpec("a.test", "/", "web", false, port, "web", false, 0, true)));
        routes.swap(routes.current().withRoute(new RouteSpec("b.test", "/", "web", false, port, "web", false, 0, false)));
        routes.swap(routes.current().withRoute(new RouteSpec("*.w.test", "/", "web", false, port, "web", false, 0, false)));
        certificates.apply(List.of(fleetA, uploadedA, fleetB, wildcard), List.of(AcmeChallenge.newBuilder().setToken("tok-1")
                .setKeyAuthorization("tok-1.thumbprint").setHostname("a.test").build()));
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        return HttpIngressServer.start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()), group, loopback,
                loopback, certificates);
    }

    @AfterEach
    void stop() throws IOException {
        ingress.close();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private int tlsPort() {
        return ingress.tlsAddress().getPort();
    }

    /** A handshaken JDK client connection with {@code serverName} as SNI (none when null), trusting every test certificate. */
    private SSLSocket connect(int port, String serverName, String... protocols) throws Exception {
        SSLSocket socket = (SSLSocket) TestCertificates.trusting(all).getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        params.setApplicationProtocols(new String[] {"http/1.1"}); // these tests speak HTTP/1.1 bytes (h2: Http2IngressTest)
        if (protocols.length > 0) {
            params.setProtocols(protocols);
        }
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private static String leaf(SSLSocket socket) throws Exception {
        return TestCertificates.fingerprint(socket.getSession().getPeerCertificates()[0]);
    }

    private static RawHttp.Response get(Socket socket, String target, String host) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return RawHttp.read(socket.getInputStream());
    }

    /** Runs {@code openssl s_client} against the TLS port with {@code args}; returns its exit code and output. */
    private record Run(int exit, String output) {}

    private Run sClient(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + tlsPort(), "-showcerts"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close(); // EOF on stdin: s_client ends after the handshake
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), output);
    }

    private static String firstPem(String output) {
        int start = output.indexOf("-----BEGIN CERTIFICATE-----");
        int end = output.indexOf("-----END CERTIFICATE-----", start);
        return output.substring(start, end + "-----END CERTIFICATE-----".length()) + "\n";
    }

    private static String fingerprint(Certificate c) {
        return c.getInfo().getSha256Fingerprint();
    }

    @Test
    void eachHostnameIsServedItsOwnCertificateAndUploadedBeatsFleet() throws Exception {
        try (SSLSocket a = connect(tlsPort(), "a.test"); SSLSocket b = connect(tlsPort(), "B.TEST");
                SSLSocket w = connect(tlsPort(), "shop.w.test")) {
            assertThat(leaf(a)).as("a.test: the upload, over the fleet CA's").isEqualTo(fingerprint(uploadedA));
            assertThat(leaf(b)).isEqualTo(fingerprint(fleetB));
            assertThat(leaf(w)).as("one-label wildcard").isEqualTo(fingerprint(wildcard));
            assertThat(a.getApplicationProtocol()).isEqualTo("http/1.1");
            assertThat(a.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(get(a, "/hello", "a.test").status()).isEqualTo(200);
        }
    }

    @Test
    void opensslSeesTheSameLeavesAndNegotiatesH2OrHttp11() throws Exception {
        Run b = sClient("-servername", "b.test", "-alpn", "h2,http/1.1");
        assertThat(b.output()).contains("ALPN protocol: h2");
        assertThat(sClient("-servername", "b.test", "-alpn", "http/1.1").output()).contains("ALPN protocol: http/1.1");
        assertThat(TestCertificates.fingerprint(TestCertificates.leaf(firstPem(b.output())))).isEqualTo(fingerprint(fleetB));
        Run a = sClient("-servername", "a.test");
        assertThat(TestCertificates.fingerprint(TestCertificates.leaf(firstPem(a.output())))).isEqualTo(fingerprint(uploadedA));
    }

    @Test
    void unknownOrMissingServerNameGetsUnrecognizedNameAndNothingIsForwarded() throws Exception {
        assertThatThrownBy(() -> connect(tlsPort(), "unknown.test")).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unrecognized_name");
        assertThatThrownBy(() -> connect(tlsPort(), null)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unrecognized_name");
        assertThatThrownBy(() -> connect(tlsPort(), "deep.shop.w.test")).as("wildcards cover one label")
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("unrecognized_name");
        Run unknown = sClient("-servername", "unknown.test");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.output()).contains("unrecognized name").contains("alert number 112");
        Run missing = sClient("-noservername");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output()).contains("alert number 112");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aSwapChangesTheCertificateOfNewConnectionsWhileAnOpenOneKeepsItsOwn() throws Exception {
        try (SSLSocket before = connect(tlsPort(), "b.test")) {
            assertThat(get(before, "/one", "b.test").status()).isEqualTo(200);
            store.apply(List.of(fleetA, uploadedA, renewedB, wildcard), List.of());
            try (SSLSocket after = connect(tlsPort(), "b.test")) {
                assertThat(leaf(after)).isEqualTo(fingerprint(renewedB));
                assertThat(get(after, "/new", "b.test").status()).isEqualTo(200);
            }
            assertThat(get(before, "/two", "b.test").status()).as("second request on the open connection").isEqualTo(200);
            assertThat(leaf(before)).isEqualTo(fingerprint(fleetB));
        }
        assertThat(upstream.heads()).hasSize(3);
        // the certificate removed from the view: the name is no longer served
        store.apply(List.of(fleetA), List.of());
        assertThatThrownBy(() -> connect(tlsPort(), "b.test")).hasMessageContaining("unrecognized_name");
    }

    @Test
    void anExpiredUploadGivesWayToTheFleetCertificateOfItsHostname() throws Exception {
        long past = java.time.Instant.now().minus(Duration.ofDays(1)).getEpochSecond();
        Certificate expiredUpload = uploadedA.toBuilder().setInfo(uploadedA.getInfo().toBuilder()
                .setNotBeforeEpochSeconds(past - 86_400).setNotAfterEpochSeconds(past)).build();
        store.apply(List.of(fleetA, expiredUpload, fleetB, wildcard), List.of());
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            assertThat(leaf(a)).as("the fleet CA's, which the controller issues once the upload expired").isEqualTo(fingerprint(fleetA));
        }
    }

    @Test
    void requestsOverTlsCarryHttpsForwardingHeaders() throws Exception {
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            assertThat(get(a, "/fwd", "a.test").status()).isEqualTo(200);
        }
        String head = upstream.heads().getFirst().toLowerCase();
        assertThat(head).startsWith("get /fwd http/1.1").contains("\nx-forwarded-proto: https\r\n")
                .contains("\nx-forwarded-port: " + tlsPort() + "\r\n").containsPattern("\nforwarded: for=[^\r]*;proto=https\r\n")
                .contains("\nhost: a.test\r\n");
    }

    @Test
    void aHostOtherThanTheServerNameGets421AndNothingIsForwarded() throws Exception {
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            RawHttp.Response response = get(a, "/MISDIRECTED", "b.test");
            assertThat(response.status()).isEqualTo(421);
            assertThat(response.body()).contains("misdirected");
        }
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            assertThat(get(a, "http://b.test/MISDIRECTED", "a.test").status()).as("absolute-form authority").isEqualTo(421);
        }
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            assertThat(get(a, "/control", "A.test:443").status()).as("same name, any case, with port").isEqualTo(200);
        }
        try (SSLSocket a = connect(tlsPort(), "a.test")) { // pipelined: the 421 comes in its turn
            a.getOutputStream().write(("GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n"
                    + "POST /MISDIRECTED HTTP/1.1\r\nHost: b.test\r\nContent-Length: 10\r\n\r\nMISDIRECTED").getBytes(StandardCharsets.ISO_8859_1));
            a.getOutputStream().flush();
            assertThat(RawHttp.read(a.getInputStream()).status()).isEqualTo(200);
            assertThat(RawHttp.read(a.getInputStream()).status()).isEqualTo(421);
            assertThat(a.getInputStream().read()).as("closed after the 421").isEqualTo(-1);
        }
        assertThat(upstream.raw()).doesNotContain("MISDIRECTED");
        assertThat(upstream.heads()).hasSize(2);
    }

    @Test
    void onAReusedH2ConnectionEveryStreamForAnotherHostThanTheServerNameGets421AndNothingIsForwarded() throws Exception {
        io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder decoder = new io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder();
        java.util.Map<Integer, String> statuses = new java.util.TreeMap<>();
        try (RawH2 h2 = RawH2.connect(tlsPort(), "a.test", all)) {
            h2.headers(1, RawH2.get("a.test", "/ok-1"), true);
            h2.headers(3, RawH2.get("b.test", "/MISDIRECTED-authority"), true);
            h2.headers(5, RawH2.get("a.test", "/MISDIRECTED-host").add("host", "b.test"), true);
            h2.headers(7, RawH2.get("a.test", "https://b.test/MISDIRECTED-absolute"), true);
            h2.headers(9, RawH2.get("b.test:443", "/MISDIRECTED-port"), true);
            h2.headers(11, RawH2.get("a.test", "/ok-11"), true);
            while (statuses.size() < 6) {
                RawH2.Frame f = h2.await(frame -> frame.type() == RawH2.HEADERS || frame.type() == RawH2.RST_STREAM);
                assertThat(f).as("the connection stays open; answered so far: %s", statuses).isNotNull();
                if (f.type() == RawH2.RST_STREAM) {
                    statuses.put(f.stream(), "reset " + f.errorCode());
                    continue;
                }
                io.netty.buffer.ByteBuf block = io.netty.buffer.Unpooled.wrappedBuffer(f.payload());
                statuses.put(f.stream(), decoder.decodeHeaders(f.stream(), block).status().toString());
                block.release();
            }
        }
        assertThat(statuses).containsEntry(1, "200").containsEntry(11, "200");
        assertThat(statuses.get(3)).isEqualTo("421");
        assertThat(statuses.get(7)).as("an absolute :path is malformed (RFC 9113 8.3.1): reset PROTOCOL_ERROR").isEqualTo("reset 1");
        assertThat(statuses.get(9)).isEqualTo("421");
        assertThat(statuses.get(5)).as(":authority a.test with a Host b.test: refused one way or another").isIn("400", "421", "reset 1");
        assertThat(upstream.raw()).doesNotContain("MISDIRECTED");
        assertThat(upstream.heads()).hasSize(2);
    }

    @Test
    void tls11AndNonEcdheTls12AreRefused() throws Exception {
        Run tls11 = sClient("-servername", "a.test", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(tls11.exit()).isNotZero();
        assertThat(tls11.output()).as("refused by the server").contains("alert protocol version").doesNotContain("BEGIN CERTIFICATE");
        Run rsaKeyExchange = sClient("-servername", "a.test", "-tls1_2", "-cipher", "AES128-GCM-SHA256");
        assertThat(rsaKeyExchange.exit()).isNotZero();
        assertThat(rsaKeyExchange.output()).contains("alert handshake failure");
        Run cbc = sClient("-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256");
        assertThat(cbc.exit()).as("ECDHE without AEAD").isNotZero();
        assertThat(cbc.output()).contains("alert handshake failure");
        Run ecdheGcm = sClient("-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
        assertThat(ecdheGcm.exit()).isZero();
        assertThat(ecdheGcm.output()).contains("Protocol  : TLSv1.2").contains("ECDHE-ECDSA-AES128-GCM-SHA256");
        Run chacha = sClient("-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305");
        assertThat(chacha.exit()).isZero();
        assertThatThrownBy(() -> connect(tlsPort(), "a.test", "TLSv1.1")).isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void aSilentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(ingress.tlsAddress(), 5000);
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
        }
    }

    @Test
    void cleartextHttpOnTheTlsPortIsClosedWithoutAResponse() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(ingress.tlsAddress(), 5000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] answer = socket.getInputStream().readAllBytes();
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void acmeChallengesAreAnsweredOnCleartextForTheirHostnameOnly() throws Exception {
        int http = ingress.address().getPort();
        RawHttp.Response ok = RawHttp.exchange(http, "GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: A.test:80\r\n\r\n");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.headers().get("content-type")).isEqualTo("text/plain");
        assertThat(ok.body()).isEqualTo("tok-1.thumbprint");
        assertThat(RawHttp.exchange(http, "GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: b.test\r\n\r\n").status())
                .as("another hostname").isEqualTo(404);
        assertThat(RawHttp.exchange(http, "GET /.well-known/acme-challenge/tok-2 HTTP/1.1\r\nHost: a.test\r\n\r\n").status())
                .as("unknown token").isEqualTo(404);
        assertThat(RawHttp.exchange(http, "GET /.well-known/acme-challenge/x HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n").status())
                .as("a routed hostname: still not forwarded").isEqualTo(404);
        assertThat(upstream.heads()).isEmpty();
        // the challenge goes with the next swap
        store.apply(List.of(fleetA), List.of());
        assertThat(RawHttp.exchange(http, "GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: a.test\r\n\r\n").status())
                .isEqualTo(404);
    }

    @Test
    void onlyAnOptedInRouteIsRedirectedToHttps() throws Exception {
        int http = ingress.address().getPort();
        RawHttp.Response redirect = RawHttp.exchange(http, "GET /p/q?x=1 HTTP/1.1\r\nHost: a.test:80\r\n\r\n");
        assertThat(redirect.status()).isEqualTo(308);
        assertThat(redirect.headers().get("location")).isEqualTo("https://a.test/p/q?x=1");
        assertThat(upstream.heads()).isEmpty();
        assertThat(RawHttp.exchange(http, "GET /plain HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
        try (SSLSocket a = connect(tlsPort(), "a.test")) {
            assertThat(get(a, "/secure", "a.test").status()).as("over TLS: forwarded").isEqualTo(200);
        }
        assertThat(upstream.heads()).hasSize(2);
    }

    @Test
    void theJdkProviderServesTheSamePolicy() throws Exception {
        CertificateStore jdk = new CertificateStore(new ServerSslContexts(SslProvider.JDK));
        try (HttpIngressServer server = startIngress(jdk)) {
            try (SSLSocket a = connect(server.tlsAddress().getPort(), "a.test")) {
                assertThat(leaf(a)).isEqualTo(fingerprint(uploadedA));
                assertThat(a.getApplicationProtocol()).isEqualTo("http/1.1");
                assertThat(a.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(get(a, "/jdk", "a.test").status()).isEqualTo(200);
            }
            try (SSLSocket b = connect(server.tlsAddress().getPort(), "b.test", "TLSv1.2")) {
                assertThat(b.getSession().getCipherSuite()).startsWith("TLS_ECDHE_").contains("_GCM_");
            }
            assertThatThrownBy(() -> connect(server.tlsAddress().getPort(), "unknown.test")).hasMessageContaining("unrecognized_name");
        }
        assertThat(upstream.heads()).hasSize(1);
    }
}

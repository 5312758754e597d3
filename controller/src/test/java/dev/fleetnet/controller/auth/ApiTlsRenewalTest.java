package dev.fleetnet.controller.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.SettableClock;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import dev.fleetnet.controller.ApiConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's serving certificate is replaced in place, the API CA's when it is due and an
 * operator's when its files change: a listener built once serves the new certificate to new
 * connections, while a connection opened before keeps working.
 */
class ApiTlsRenewalTest {
    /** The real time: the client checks validity against it. The first certificate is issued 250 days ago. */
    private static final Instant NOW = Instant.now();
    private static final Instant ISSUED = NOW.minus(Duration.ofDays(250));
    private final ApiCa ca = ApiCa.generate(ISSUED.minus(Duration.ofDays(1)));
    private final SettableClock clock = new SettableClock(ISSUED);
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void bothApiListenersServeTheRenewedCertificateWithoutARestartAndOpenConnectionsKeepWorking() throws Exception {
        for (boolean grpc : new boolean[] {true, false}) {
            clock.now = ISSUED;
            ApiTls tls = ApiTls.issuedBy(ca, List.of("127.0.0.1", "localhost"), clock);
            InetSocketAddress address = echoServer(grpc ? tls.grpcServerContext() : tls.httpServerContext());
            X509Certificate first = tls.leaf();
            try (SSLSocket before = connect(address)) {
                assertThat(served(before)).isEqualTo(first.getSerialNumber());
                assertThat(tls.refresh()).as("all its life left").isFalse();
                clock.now = ISSUED.plus(Duration.ofDays(242)); // a little more than a third of 365 days left
                assertThat(tls.refresh()).isFalse();

                clock.now = NOW; // 250 days on: less than a third left
                assertThat(tls.refresh()).isTrue();
                X509Certificate renewed = tls.leaf();
                assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
                assertThat(renewed.getNotAfter().toInstant()).isEqualTo(clock.now.plus(Duration.ofDays(365)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                renewed.verify(ca.certificate().getPublicKey());

                try (SSLSocket after = connect(address)) {
                    assertThat(served(after)).as("a new connection gets the renewed certificate").isEqualTo(renewed.getSerialNumber());
                    assertThat(echo(after, 'b')).isEqualTo('b');
                }
                assertThat(echo(before, 'a')).as("the connection made before the renewal still works").isEqualTo('a');
            }
        }
    }

    @Test
    void anOperatorsCertificateIsServedAsGivenAndNeverReplacedByTheController(@TempDir Path dir) throws Exception {
        ApiCa operatorsCa = ApiCa.generate(ISSUED.minus(Duration.ofDays(1)));
        ApiCa.Serving theirs = operatorsCa.issueServing(List.of("127.0.0.1"), ISSUED);
        Path cert = Files.writeString(dir.resolve("api.crt"), theirs.certificateChainPem());
        Path key = Files.writeString(dir.resolve("api.key"), theirs.privateKeyPem());
        ApiTls tls = ApiTls.load(ApiConfig.defaults().withCertificate(cert, key), null, null, InetAddress.getLoopbackAddress(), clock);

        clock.now = NOW; // as far into its life as the fleet's certificate above was when it was renewed
        assertThat(tls.refresh()).as("the files did not change").isFalse();
        assertThat(tls.leaf()).isEqualTo(theirs.leaf());
        assertThat(tls.caPem()).as("no CA of the fleet's to hand to clients").isNull();
        assertThat(tls.refreshInterval()).isEqualTo(ApiTls.OPERATOR_RELOAD);
    }

    @Test
    void bothApiListenersServeTheOperatorsReplacedFilesWithoutARestartAndKeepTheLastGoodPairOverABadOne(@TempDir Path dir)
            throws Exception {
        ApiCa operatorsCa = ApiCa.generate(NOW.minus(Duration.ofDays(1)));
        for (boolean grpc : new boolean[] {true, false}) {
            ApiCa.Serving first = operatorsCa.issueServing(List.of("127.0.0.1"), NOW);
            Path cert = Files.writeString(dir.resolve("api.crt"), first.certificateChainPem());
            Path key = Files.writeString(dir.resolve("api.key"), first.privateKeyPem());
            ApiTls tls = ApiTls.load(ApiConfig.defaults().withCertificate(cert, key), null, null, InetAddress.getLoopbackAddress(), clock);
            InetSocketAddress address = echoServer(grpc ? tls.grpcServerContext() : tls.httpServerContext());
            try (SSLSocket before = connect(address, operatorsCa.certificate())) {
                assertThat(served(before)).isEqualTo(first.leaf().getSerialNumber());

                ApiCa.Serving second = operatorsCa.issueServing(List.of("127.0.0.1"), NOW);
                Files.writeString(cert, second.certificateChainPem()); // a tool writes the certificate first...
                assertThat(tls.refresh()).as("the new certificate with the old key: not a pair").isFalse();
                try (SSLSocket between = connect(address, operatorsCa.certificate())) {
                    assertThat(served(between)).as("the last good pair stays served").isEqualTo(first.leaf().getSerialNumber());
                }
                Files.writeString(key, second.privateKeyPem()); // ...then the key
                assertThat(tls.refresh()).isTrue();
                assertThat(tls.leaf()).isEqualTo(second.leaf());
                try (SSLSocket after = connect(address, operatorsCa.certificate())) {
                    assertThat(served(after)).as("a new connection gets the replaced certificate").isEqualTo(second.leaf().getSerialNumber());
                    assertThat(echo(after, 'b')).isEqualTo('b');
                }
                assertThat(echo(before, 'a')).as("the connection made before the reload still works").isEqualTo('a');

                Files.writeString(cert, "not a certificate");
                assertThat(tls.refresh()).isFalse();
                Files.delete(key);
                assertThat(tls.refresh()).isFalse();
                try (SSLSocket later = connect(address, operatorsCa.certificate())) {
                    assertThat(served(later)).as("unparsable and missing files change nothing").isEqualTo(second.leaf().getSerialNumber());
                }
            }
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtStartNamingTheFile(@TempDir Path dir) throws Exception {
        ApiCa operatorsCa = ApiCa.generate(NOW.minus(Duration.ofDays(1)));
        Path cert = Files.writeString(dir.resolve("api.crt"), operatorsCa.issueServing(List.of("127.0.0.1"), NOW).certificateChainPem());
        Path key = Files.writeString(dir.resolve("api.key"), operatorsCa.issueServing(List.of("127.0.0.1"), NOW).privateKeyPem());
        assertThatThrownBy(() -> ApiTls.load(ApiConfig.defaults().withCertificate(cert, key), null, null,
                InetAddress.getLoopbackAddress(), clock))
                .hasMessageContaining("--api-cert/--api-key: " + key).hasMessageContaining("does not match the certificate's public key");
    }

    private InetSocketAddress echoServer(SslContext context) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush((ByteBuf) msg);
                            }
                        });
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        return (InetSocketAddress) server.localAddress();
    }

    private SSLSocket connect(InetSocketAddress address) throws Exception {
        return connect(address, ca.certificate());
    }

    private static SSLSocket connect(InetSocketAddress address, X509Certificate trust) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("api-ca", trust);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        var params = socket.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // 127.0.0.1 must be in the certificate
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private static BigInteger served(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static char echo(SSLSocket socket, char c) throws IOException {
        socket.getOutputStream().write(c);
        socket.getOutputStream().flush();
        return (char) socket.getInputStream().read();
    }
}

package dev.fleetnet.agent.identity;

import dev.fleetnet.agent.control.ControlClient;
import dev.fleetnet.core.Names;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.HostJoinGrpc;
import dev.fleetnet.proto.v1.JoinRequest;
import dev.fleetnet.proto.v1.JoinResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's channels to the controller, always TLS, the controller's certificate checked
 * against the host CA the agent was installed with (and against the address it dials). Before
 * the host has a certificate it joins: {@code HostJoin/Join} with a key made here and the join
 * token, on a channel without a client certificate; then every control stream is mutual TLS
 * with this host's certificate, and the token is forgotten. A renewed certificate is saved and
 * used from the next connection on.
 */
public final class ControlChannels implements ControlClient.ChannelSource {
    private static final Logger log = LoggerFactory.getLogger(ControlChannels.class);
    private static final Duration JOIN_DEADLINE = Duration.ofSeconds(15);
    private final Settings settings;
    private final CredentialFiles files;
    private JoinTokens.Token token; // guarded by this; null once joined
    private HostCredentials credentials; // guarded by this
    private ManagedChannel channel; // guarded by this
    private HostCredentials channelCredentials; // guarded by this: what channel was built with

    /** The controller's agent channel ({@code host:port}), the host CA to trust, this host's name and its token (may be null). */
    public record Settings(String target, List<X509Certificate> trusted, String hostName, JoinTokens.Token token) {
        public Settings {
            trusted = List.copyOf(trusted);
            Names.check("host name", hostName);
            if (trusted.isEmpty()) {
                throw new IllegalArgumentException("host CA: none (expected: at least one CA certificate to check the controller with)");
            }
        }
    }

    public ControlChannels(Settings settings, CredentialFiles files) {
        this.settings = settings;
        this.files = files;
        this.token = settings.token();
    }

    /**
     * The credentials on disk, loaded now; throws if there are none and no token to join with
     * (the agent cannot start), or if the files are not this host's.
     */
    public synchronized HostCredentials loadOrRequireToken() throws IOException {
        credentials = files.load().orElse(null);
        if (credentials == null && token == null) {
            throw new IllegalArgumentException("join token: none, and no host certificate in " + files.certificateFile().getParent()
                    + " (expected: --join-token-file FILE, --join-token-file - for standard input, or $FLEETNET_JOIN_TOKEN, for"
                    + " this host's first join; `fleetnet host token create --host " + settings.hostName() + "` makes one)");
        }
        return credentials;
    }

    /** The credentials in use; null before the first join. */
    public synchronized HostCredentials credentials() {
        return credentials;
    }

    @Override
    public synchronized ManagedChannel channel() throws Exception {
        if (credentials == null) {
            credentials = join();
        }
        if (channel == null || channelCredentials != credentials) {
            if (channel != null) {
                channel.shutdown(); // a stream still on it ends by itself; new ones take the new certificate
            }
            SslContext tls = GrpcSslContexts.forClient().trustManager(settings.trusted())
                    .keyManager(credentials.key(), credentials.certificate()).build();
            channel = NettyChannelBuilder.forTarget(settings.target()).sslContext(tls)
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true).build();
            channelCredentials = credentials;
        }
        return channel;
    }

    /** Takes a renewed certificate (PEM) if it is this host's, for this key, from the host CA. */
    public void renewed(String pem) {
        HostCredentials next;
        synchronized (this) {
            try {
                X509Certificate certificate = IdentityPem.certificates(pem).get(0);
                requireOurs(certificate, credentials.keyPair());
                files.saveCertificate(certificate);
                next = new HostCredentials(credentials.key(), certificate);
                credentials = next;
            } catch (IllegalArgumentException | IOException e) {
                log.warn("renewed host certificate not taken: {}", e.getMessage());
                return;
            }
        }
        log.info("host certificate renewed: serial {}, valid until {} (used from the next connection)", next.serial(), next.notAfter());
    }

    /** The first join; runs on the reconnect thread, so a controller that does not answer only delays the next attempt. */
    private HostCredentials join() throws IOException, SSLException {
        if (token == null) {
            throw Status.UNAUTHENTICATED.withDescription("no host certificate and no join token to join with").asRuntimeException();
        }
        KeyPair key = files.keyForJoin();
        byte[] csr = HostCsr.create(key, settings.hostName());
        ManagedChannel joining = NettyChannelBuilder.forTarget(settings.target())
                .sslContext(GrpcSslContexts.forClient().trustManager(settings.trusted()).build()).build();
        JoinResponse response;
        try {
            log.info("joining the fleet as host {} with join token {} (key SHA256:{})", settings.hostName(), token.id(),
                    HostNames.keySha256(key.getPublic()).substring(0, 16));
            response = HostJoinGrpc.newBlockingStub(joining).withDeadlineAfter(JOIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder().setCsr(com.google.protobuf.ByteString.copyFrom(csr)).setToken(token.text()).build());
        } finally {
            joining.shutdownNow();
        }
        X509Certificate certificate;
        try {
            certificate = IdentityPem.certificates(response.getCertificatePem()).get(0);
            requireOurs(certificate, key);
        } catch (IllegalArgumentException e) {
            throw Status.INTERNAL.withDescription("the controller's answer to the join: " + e.getMessage()).asRuntimeException();
        }
        files.saveCertificate(certificate);
        token = null; // joined once: the token is not needed, nor kept, any more
        HostCredentials joined = new HostCredentials(key.getPrivate(), certificate);
        log.info("joined as host {}: certificate serial {}, valid until {}, saved to {}", settings.hostName(), joined.serial(),
                joined.notAfter(), files.certificateFile());
        return joined;
    }

    /** A certificate of this host, for this key, issued by the host CA the agent trusts. */
    private void requireOurs(X509Certificate certificate, KeyPair key) {
        String named = HostNames.hostOf(certificate);
        if (!named.equals(settings.hostName())) {
            throw new IllegalArgumentException("a certificate for host '" + named + "' (expected: '" + settings.hostName() + "')");
        }
        if (!certificate.getPublicKey().equals(key.getPublic())) {
            throw new IllegalArgumentException("a certificate for another key (expected: this host's key)");
        }
        for (X509Certificate ca : settings.trusted()) {
            try {
                certificate.verify(ca.getPublicKey());
                return;
            } catch (GeneralSecurityException notThisOne) {
                // try the next
            }
        }
        throw new IllegalArgumentException("a certificate not issued by the host CA in --ca-file (expected: one it issued)");
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}

package dev.fleetnet.controller.identity;

import com.google.protobuf.ByteString;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostJoinGrpc;
import dev.fleetnet.proto.v1.JoinRequest;
import dev.fleetnet.proto.v1.JoinResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A host's side of the agent channel for tests: joins, mutual-TLS channels, and certificates an impostor would forge. */
public final class TestHosts {
    private TestHosts() {}

    /**
     * A TLS channel to {@code target} trusting {@code ca}; with {@code key} and {@code certificate}
     * (both null: none) as the client certificate; {@code customize} may set e.g. a channel factory.
     */
    public static ManagedChannel channel(String target, X509Certificate ca, PrivateKey key, X509Certificate certificate,
            UnaryOperator<NettyChannelBuilder> customize) throws SSLException {
        SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(ca);
        if (key != null) {
            tls.keyManager(key, certificate);
        }
        return customize.apply(NettyChannelBuilder.forTarget(target).sslContext(tls.build())).build();
    }

    public static ManagedChannel channel(String target, X509Certificate ca, PrivateKey key, X509Certificate certificate)
            throws SSLException {
        return channel(target, ca, key, certificate, b -> b);
    }

    /** Joins {@code host} with {@code key} and {@code token} on a channel without a client certificate. */
    public static X509Certificate join(ManagedChannel channel, KeyPair key, String host, String token) {
        JoinResponse response = HostJoinGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .join(JoinRequest.newBuilder().setCsr(ByteString.copyFrom(HostCsr.create(key, host))).setToken(token).build());
        return IdentityPem.certificates(response.getCertificatePem()).get(0);
    }

    /**
     * What an impostor can make without the CA's key: a host certificate for {@code host} (CN,
     * SAN URI, clientAuth: everything right) naming {@code issuer}, signed by its own key.
     */
    public static X509Certificate forged(KeyPair key, String host, X500Principal issuer, Instant notBefore, Instant notAfter)
            throws Exception {
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(42),
                Date.from(notBefore), Date.from(notAfter), new X500Principal("CN=" + host), key.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, HostNames.uri(host))))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    /** A control stream whose received messages and end can be awaited; says Hello at once. */
    public static final class Stream implements StreamObserver<ControllerMessage> {
        public final BlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
        public final BlockingQueue<Status> ended = new LinkedBlockingQueue<>();
        public final StreamObserver<AgentMessage> out;

        public Stream(ManagedChannel channel, String endpoint) {
            out = AgentControlGrpc.newStub(channel).connect(this);
            out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setPublicKey(Base64.getEncoder().encodeToString(new byte[32])).setEndpoint(endpoint)).build());
        }

        public ControllerMessage next() throws InterruptedException {
            ControllerMessage m = received.poll(20, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no message from the controller within 20s; ended: " + ended.peek());
            }
            return m;
        }

        /** How the stream ended, within {@code wait}; null if it did not. */
        public Status end(Duration wait) throws InterruptedException {
            return ended.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override public void onNext(ControllerMessage value) { received.add(value); }
        @Override public void onError(Throwable t) { ended.add(Status.fromThrowable(t)); }
        @Override public void onCompleted() { ended.add(Status.OK); }
    }
}

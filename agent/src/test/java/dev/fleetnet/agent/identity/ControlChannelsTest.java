package dev.fleetnet.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.HostJoinGrpc;
import dev.fleetnet.proto.v1.JoinRequest;
import dev.fleetnet.proto.v1.JoinResponse;
import dev.fleetnet.proto.v1.Welcome;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's channels against a fake controller over real TLS on loopback: join once, then mutual TLS; a controller outside the CA is never spoken to. */
class ControlChannelsTest {
    private final TestIdentity fleet = new TestIdentity();
    private final JoinTokens.Token token = JoinTokens.generate();
    private final List<String> joinsSeen = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> streamsFrom = new LinkedBlockingQueue<>();
    private volatile Status refuseJoins;
    private Server server;
    private ControlChannels channels;
    @TempDir
    Path dir;

    /** A controller presenting a certificate for 127.0.0.1 from {@code issuer}; joins answered from the fleet's CA. */
    private String controller(TestIdentity issuer) throws Exception {
        return controller(issuer, "127.0.0.1");
    }

    /** A controller whose certificate names {@code address}, while it listens on 127.0.0.1. */
    private String controller(TestIdentity issuer, String address) throws Exception {
        KeyPair serverKey = HostCsr.generateKey();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(serverKey.getPrivate(),
                        issuer.server(serverKey.getPublic(), address))).clientAuth(ClientAuth.OPTIONAL).trustManager(fleet.ca).build())
                .addService(new HostJoinGrpc.HostJoinImplBase() {
                    @Override
                    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
                        joinsSeen.add(request.getToken());
                        if (refuseJoins != null) {
                            out.onError(refuseJoins.asRuntimeException());
                            return;
                        }
                        HostCsr.Request csr = HostCsr.parse(request.getCsr().toByteArray());
                        out.onNext(JoinResponse.newBuilder().setCertificatePem(IdentityPem.certificate(
                                fleet.host(csr.hostName(), csr.publicKey()))).setCaPem(IdentityPem.certificate(fleet.ca)).build());
                        out.onCompleted();
                    }
                })
                .addService(new AgentControlGrpc.AgentControlImplBase() {
                    @Override
                    public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> out) {
                        out.onNext(ControllerMessage.newBuilder().setWelcome(Welcome.newBuilder().setHostNumber(1)).build());
                        return new StreamObserver<>() {
                            @Override public void onNext(AgentMessage value) {}
                            @Override public void onError(Throwable t) {}
                            @Override public void onCompleted() { out.onCompleted(); }
                        };
                    }
                })
                .intercept(new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        if (call.getMethodDescriptor().getFullMethodName().startsWith("fleetnet.v1.AgentControl/")) {
                            try {
                                streamsFrom.add(((X509Certificate) call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)
                                        .getPeerCertificates()[0]).getSubjectX500Principal().getName());
                            } catch (SSLPeerUnverifiedException e) {
                                streamsFrom.add("no certificate");
                            }
                        }
                        return next.startCall(call, headers);
                    }
                }).build().start();
        return "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    private CredentialFiles files() {
        return new CredentialFiles(dir, "h1");
    }

    @AfterEach
    void stop() {
        if (channels != null) {
            channels.close();
        }
        server.shutdownNow();
    }

    @Test
    void joinsOnceWithAKeyMadeHereThenEveryStreamIsMutualTlsWithItsCertificate() throws Exception {
        String target = controller(fleet);
        channels = new ControlChannels(new ControlChannels.Settings(target, List.of(fleet.ca), "h1", token), files());
        assertThat(channels.loadOrRequireToken()).as("no certificate yet").isNull();
        var channel = channels.channel();
        assertThat(joinsSeen).containsExactly(token.text());
        HostCredentials joined = files().load().orElseThrow();
        assertThat(joined.hostName()).isEqualTo("h1");
        assertThat(channels.credentials().certificate()).isEqualTo(joined.certificate());

        BlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
        AgentControlGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override public void onNext(ControllerMessage value) { received.add(value); }
            @Override public void onError(Throwable t) {}
            @Override public void onCompleted() {}
        });
        assertThat(received.poll(20, TimeUnit.SECONDS)).as("a welcome over mutual TLS").isNotNull();
        assertThat(streamsFrom.poll(20, TimeUnit.SECONDS)).isEqualTo("CN=h1");
        assertThat(channels.channel()).as("no second join, the same channel").isSameAs(channel);
        assertThat(joinsSeen).hasSize(1);

        // a restart: the certificate on disk, no token needed
        channels.close();
        channels = new ControlChannels(new ControlChannels.Settings(target, List.of(fleet.ca), "h1", null), files());
        assertThat(channels.loadOrRequireToken().certificate()).isEqualTo(joined.certificate());
    }

    @Test
    void aControllerWhoseCertificateIsNotFromTheInstalledCaIsNeverSpokenTo() throws Exception {
        channels = new ControlChannels(new ControlChannels.Settings(controller(new TestIdentity()), List.of(fleet.ca), "h1", token),
                files());
        assertThatThrownBy(channels::channel).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(joinsSeen).as("the token never reached it").isEmpty();
        assertThat(files().certificateFile()).doesNotExist();
    }

    @Test
    void aControllerCertificateForAnotherAddressIsNotTrustedEvenFromTheRightCa() throws Exception {
        channels = new ControlChannels(new ControlChannels.Settings(controller(fleet, "192.0.2.1"), List.of(fleet.ca), "h1", token),
                files());
        assertThatThrownBy(channels::channel).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(joinsSeen).as("the token never reached it").isEmpty();
    }

    @Test
    void aRefusedJoinCarriesTheControllersReasonAndTheNextTryKeepsTheSameKey() throws Exception {
        refuseJoins = Status.PERMISSION_DENIED.withDescription("host 'h1': already joined with key SHA256:0000");
        channels = new ControlChannels(new ControlChannels.Settings(controller(fleet), List.of(fleet.ca), "h1", token), files());
        assertThatThrownBy(channels::channel).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getDescription()).isEqualTo("host 'h1': already joined with key SHA256:0000"));
        String key = Files.readString(files().keyFile());
        assertThat(files().certificateFile()).doesNotExist();
        refuseJoins = null;
        channels.channel();
        assertThat(Files.readString(files().keyFile())).as("the same key, never a second one").isEqualTo(key);
        assertThat(joinsSeen).hasSize(2);
    }

    @Test
    void aRenewedCertificateIsTakenOnlyForThisHostAndKey() throws Exception {
        channels = new ControlChannels(new ControlChannels.Settings(controller(fleet), List.of(fleet.ca), "h1", token), files());
        channels.channel();
        HostCredentials first = channels.credentials();
        channels.renewed(IdentityPem.certificate(fleet.host("h1", HostCsr.generateKey().getPublic())));
        channels.renewed(IdentityPem.certificate(fleet.host("h2", first.keyPair().getPublic())));
        assertThat(channels.credentials()).as("neither another key's nor another host's").isSameAs(first);
        X509Certificate renewed = fleet.host("h1", first.keyPair().getPublic());
        channels.renewed(IdentityPem.certificate(renewed));
        assertThat(channels.credentials().certificate()).isEqualTo(renewed);
        assertThat(files().load().orElseThrow().certificate()).isEqualTo(renewed);
    }
}

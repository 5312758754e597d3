package dev.fleetnet.client;

import dev.fleetnet.proto.v1.ApiTokenServiceGrpc;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.SshServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A connection to the controller's public API over TLS, with the bearer token on every call and
 * one blocking stub per service.
 */
public final class FleetClient implements AutoCloseable {
    /** How long a call may take unless told otherwise. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private final String target;
    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final Duration timeout;

    private FleetClient(String target, ManagedChannel channel, CallCredentials credentials, Duration timeout) {
        this.target = target;
        this.channel = channel;
        this.credentials = credentials;
        this.timeout = timeout;
    }

    /** Connects (lazily) to {@code endpoint.target()}, {@code host:port} or {@code [v6]:port}, over TLS. */
    public static FleetClient connect(ApiEndpoint endpoint) {
        return connect(endpoint, CALL_TIMEOUT);
    }

    /** As {@link #connect(ApiEndpoint)}, each call given at most {@code timeout}. */
    public static FleetClient connect(ApiEndpoint endpoint, Duration timeout) {
        SslContextBuilder tls = GrpcSslContexts.forClient();
        if (endpoint.caPem() != null) {
            try {
                tls.trustManager(new ByteArrayInputStream(endpoint.caPem().getBytes(StandardCharsets.US_ASCII)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("CA: not a PEM certificate (" + e.getMessage() + ") (expected: the controller's API CA, e.g. api-ca.pem)", e);
            }
        }
        ManagedChannel channel;
        try {
            channel = NettyChannelBuilder.forTarget(endpoint.target()).sslContext(tls.build())
                    .intercept(new RequestSentMarker()).build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up TLS to " + endpoint.target() + ": " + e.getMessage(), e);
        }
        return new FleetClient(endpoint.target(), channel, endpoint.token() == null ? null : new BearerToken(endpoint.token()), timeout);
    }

    public String target() {
        return target;
    }

    /** Whether a failed call's request had been sent on a connection (its outcome, for a write, unknown). */
    public static boolean requestWasSent(StatusRuntimeException e) {
        return e.getTrailers() != null && e.getTrailers().containsKey(RequestSentMarker.REQUEST_SENT);
    }

    /** The full name of the method a failed call was to, if it went through a FleetClient. */
    public static java.util.Optional<String> failedMethod(StatusRuntimeException e) {
        return java.util.Optional.ofNullable(e.getTrailers() == null ? null : e.getTrailers().get(RequestSentMarker.METHOD));
    }

    public HostServiceGrpc.HostServiceBlockingStub hosts() {
        return prepare(HostServiceGrpc.newBlockingStub(channel));
    }

    public NetworkServiceGrpc.NetworkServiceBlockingStub networks() {
        return prepare(NetworkServiceGrpc.newBlockingStub(channel));
    }

    public MachineServiceGrpc.MachineServiceBlockingStub machines() {
        return prepare(MachineServiceGrpc.newBlockingStub(channel));
    }

    public RouteServiceGrpc.RouteServiceBlockingStub routes() {
        return prepare(RouteServiceGrpc.newBlockingStub(channel));
    }

    public SshServiceGrpc.SshServiceBlockingStub ssh() {
        return prepare(SshServiceGrpc.newBlockingStub(channel));
    }

    public dev.fleetnet.proto.v1.ConsoleServiceGrpc.ConsoleServiceBlockingStub consoles() {
        return prepare(dev.fleetnet.proto.v1.ConsoleServiceGrpc.newBlockingStub(channel));
    }

    public dev.fleetnet.proto.v1.HostIdentityServiceGrpc.HostIdentityServiceBlockingStub hostIdentity() {
        return prepare(dev.fleetnet.proto.v1.HostIdentityServiceGrpc.newBlockingStub(channel));
    }

    public CertificateServiceGrpc.CertificateServiceBlockingStub certificates() {
        return prepare(CertificateServiceGrpc.newBlockingStub(channel));
    }

    public ApiTokenServiceGrpc.ApiTokenServiceBlockingStub tokens() {
        return prepare(ApiTokenServiceGrpc.newBlockingStub(channel));
    }

    private <S extends AbstractStub<S>> S prepare(S stub) {
        S timed = stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return credentials == null ? timed : timed.withCallCredentials(credentials);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

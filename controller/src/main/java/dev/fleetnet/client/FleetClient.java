package dev.fleetnet.client;

import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A connection to the controller's public API, with one blocking stub per service. */
public final class FleetClient implements AutoCloseable {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private final String target;
    private final ManagedChannel channel;

    private FleetClient(String target, ManagedChannel channel) {
        this.target = target;
        this.channel = channel;
    }

    /** Connects (lazily) to {@code host:port} or {@code [v6]:port}, plaintext. */
    public static FleetClient connect(String target) {
        return new FleetClient(target, NettyChannelBuilder.forTarget(target).usePlaintext().build());
    }

    public String target() {
        return target;
    }

    public HostServiceGrpc.HostServiceBlockingStub hosts() {
        return HostServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public NetworkServiceGrpc.NetworkServiceBlockingStub networks() {
        return NetworkServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public MachineServiceGrpc.MachineServiceBlockingStub machines() {
        return MachineServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public RouteServiceGrpc.RouteServiceBlockingStub routes() {
        return RouteServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public dev.fleetnet.proto.v1.SshServiceGrpc.SshServiceBlockingStub ssh() {
        return dev.fleetnet.proto.v1.SshServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public dev.fleetnet.proto.v1.HostIdentityServiceGrpc.HostIdentityServiceBlockingStub hostIdentity() {
        return dev.fleetnet.proto.v1.HostIdentityServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public CertificateServiceGrpc.CertificateServiceBlockingStub certificates() {
        return CertificateServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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

package dev.fleetnet.controller.control;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseRevokeResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The real lease client, with every keepalive observer kept by lease id, so a test can end a
 * keepalive the way jetcd does when no answer came within the TTL ({@code onCompleted}, no
 * error) while the lease itself is still alive in etcd.
 */
final class RecordingLease implements Lease {
    private final Lease real;
    private final Map<Long, StreamObserver<LeaseKeepAliveResponse>> observers = new ConcurrentHashMap<>();

    RecordingLease(Lease real) {
        this.real = real;
    }

    /** The observer the session gave for {@code leaseId}'s keepalive. */
    StreamObserver<LeaseKeepAliveResponse> observer(long leaseId) {
        StreamObserver<LeaseKeepAliveResponse> observer = observers.get(leaseId);
        if (observer == null) {
            throw new IllegalStateException("no keepalive for lease " + Long.toHexString(leaseId) + " (have: "
                    + observers.keySet().stream().map(Long::toHexString).toList() + ")");
        }
        return observer;
    }

    @Override
    public CloseableClient keepAlive(long leaseId, StreamObserver<LeaseKeepAliveResponse> observer) {
        observers.put(leaseId, observer);
        return real.keepAlive(leaseId, observer);
    }

    @Override
    public CompletableFuture<LeaseGrantResponse> grant(long ttl) {
        return real.grant(ttl);
    }

    @Override
    public CompletableFuture<LeaseGrantResponse> grant(long ttl, long timeout, TimeUnit unit) {
        return real.grant(ttl, timeout, unit);
    }

    @Override
    public CompletableFuture<LeaseRevokeResponse> revoke(long leaseId) {
        return real.revoke(leaseId);
    }

    @Override
    public CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(long leaseId) {
        return real.keepAliveOnce(leaseId);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long leaseId, LeaseOption option) {
        return real.timeToLive(leaseId, option);
    }

    @Override
    public void close() {
        real.close();
    }
}

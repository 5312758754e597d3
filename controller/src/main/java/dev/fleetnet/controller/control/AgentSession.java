package dev.fleetnet.controller.control;

import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.view.Fleet;
import dev.fleetnet.controller.view.HostViews;
import dev.fleetnet.controller.view.ViewDiff;
import dev.fleetnet.core.Endpoints;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.Welcome;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's stream: Hello (authenticated by the join token), Welcome, a full view, then a
 * delta whenever that host's view changes; Acks and status reports come back on it.
 * Threading: sends are serialised on {@code out}; etcd writes run on the blocking executor.
 */
final class AgentSession implements StreamObserver<AgentMessage> {
    private static final Logger log = LoggerFactory.getLogger(AgentSession.class);
    private static final long SESSION_TTL_SECONDS = 10;
    private final AgentControlService.SessionContext context;
    private final StreamObserver<ControllerMessage> out;
    private final Map<String, MachineStatus> reported = new HashMap<>(); // guarded by this
    private String hostName; // set once by hello
    private HostView lastSent; // guarded by out
    private Runnable unsubscribe;
    private long leaseId;
    private volatile boolean closed;

    AgentSession(AgentControlService.SessionContext context, StreamObserver<ControllerMessage> out) {
        this.context = context;
        this.out = out;
    }

    @Override
    public void onNext(AgentMessage message) {
        if (hostName == null) {
            if (!message.hasHello()) {
                fail(Status.FAILED_PRECONDITION.withDescription("first message: " + message.getKindCase()
                        + " (expected: hello)"));
                return;
            }
            hostName = message.getHello().getHostName();
            context.blocking().execute(() -> hello(message.getHello()));
            return;
        }
        switch (message.getKindCase()) {
            case ACK -> context.blocking().execute(() -> guard(() -> context.store().recordApplied(hostName, message.getAck().getRevision())));
            case STATUS -> context.blocking().execute(() -> guard(() -> report(message.getStatus().getMachinesList())));
            default -> log.warn("host {}: ignoring unexpected {}", hostName, message.getKindCase());
        }
    }

    private void hello(Hello hello) {
        if (!MessageDigest.isEqual(hello.getJoinToken().getBytes(StandardCharsets.UTF_8), context.joinToken())) {
            log.warn("host '{}' offered a wrong join token; refused", hello.getHostName());
            fail(Status.UNAUTHENTICATED.withDescription("join token rejected for host '" + hello.getHostName()
                    + "' (expected: the token given to the controller with --join-token)"));
            return;
        }
        try {
            Names.check("host name", hello.getHostName());
            checkPublicKey(hello.getPublicKey());
            Endpoints.parse("endpoint", hello.getEndpoint());
        } catch (IllegalArgumentException e) {
            fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        }
        try {
            Host host = context.store().joinHost(hello.getHostName(), hello.getPublicKey(), hello.getEndpoint());
            leaseId = context.leases().grant(SESSION_TTL_SECONDS).get(10, TimeUnit.SECONDS).getID();
            context.leases().keepAlive(leaseId, new StreamObserver<LeaseKeepAliveResponse>() {
                @Override public void onNext(LeaseKeepAliveResponse value) {}
                @Override public void onError(Throwable t) {}
                @Override public void onCompleted() {}
            });
            context.store().openSession(host.getName(), context.controllerId(), leaseId);
            send(ControllerMessage.newBuilder().setWelcome(Welcome.newBuilder().setHostNumber(host.getNumber())
                    .setInfraAddress(host.getInfraAddress()).setControllerId(context.controllerId())).build());
            log.info("host {} (number {}) joined from {}, applied revision {}", host.getName(), host.getNumber(),
                    hello.getEndpoint(), hello.getAppliedRevision());
            if (!closed) {
                unsubscribe = context.watcher().subscribe(this::onFleet);
            }
        } catch (FleetException | IllegalArgumentException e) {
            fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
        } catch (Exception e) {
            fail(Status.UNAVAILABLE.withDescription("cannot register host '" + hello.getHostName() + "': " + e));
        }
    }

    /** Called on the fleet thread with every new snapshot. */
    private void onFleet(Fleet fleet) {
        if (closed || !fleet.hosts().containsKey(hostName)) {
            return;
        }
        HostView view = HostViews.compute(fleet, hostName);
        synchronized (out) {
            if (lastSent == null) {
                out.onNext(ControllerMessage.newBuilder().setFullView(view).build());
            } else if (ViewDiff.changed(lastSent, view)) {
                out.onNext(ControllerMessage.newBuilder().setDelta(ViewDiff.between(lastSent, view)).build());
            } else {
                return;
            }
            lastSent = view;
        }
    }

    private void report(Iterable<MachineStatus> statuses) {
        for (MachineStatus status : statuses) {
            synchronized (this) {
                if (status.equals(reported.get(status.getName()))) {
                    continue;
                }
                reported.put(status.getName(), status);
            }
            context.store().reportStatus(hostName, status);
        }
    }

    private void send(ControllerMessage message) {
        synchronized (out) {
            if (!closed) {
                out.onNext(message);
            }
        }
    }

    private void fail(Status status) {
        synchronized (out) {
            if (!closed) {
                closed = true;
                out.onError(status.asRuntimeException());
            }
        }
        cleanup();
    }

    @Override
    public void onError(Throwable t) {
        closed = true;
        cleanup();
    }

    @Override
    public void onCompleted() {
        synchronized (out) {
            if (!closed) {
                closed = true;
                out.onCompleted();
            }
        }
        cleanup();
    }

    private void cleanup() {
        if (unsubscribe != null) {
            unsubscribe.run();
        }
        if (leaseId != 0 && hostName != null) {
            long lease = leaseId;
            context.blocking().execute(() -> guard(() -> {
                context.store().closeSession(hostName, context.controllerId());
                context.leases().revoke(lease);
            }));
            log.info("host {} disconnected", hostName);
        }
    }

    private void guard(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("host {}: {}", hostName, e.getMessage());
        }
    }

    private static void checkPublicKey(String key) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("public key: '" + key + "' (expected: 32 bytes in base64, as `wg pubkey` prints)");
        }
    }
}

package dev.fleetnet.agent.control;

import dev.fleetnet.proto.v1.Ack;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ConsoleTokenSpent;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.SpendConsoleToken;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.proto.v1.StatusReport;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the control channel: says Hello, folds the full view and deltas into a
 * whole view for its {@link Handler}, and reconnects with capped exponential backoff whenever
 * the stream ends or no channel could be had (a join refused, the controller unreachable).
 * Threading: stream callbacks arrive on gRPC threads (one at a time per stream); the stream,
 * the backoff and the view are guarded by this object.
 */
public final class ControlClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlClient.class);
    private final ChannelSource channels;
    private final Backoff backoff;
    private final Scheduler reconnects;
    private final Handler handler;
    private StreamObserver<AgentMessage> stream;
    private HostView view;
    private Duration nextDelay;
    private volatile int hostNumber;
    private volatile boolean closed;
    /** Console token spends awaiting the controller's answer, by request id; failed when their stream ends. */
    private final Map<Long, CompletableFuture<ConsoleTokenSpent>> spends = new ConcurrentHashMap<>();
    private final AtomicLong spendIds = new AtomicLong();

    /** What the agent supplies and receives: a fresh Hello per connection, and each whole view. */
    public interface Handler {
        /** Asked on every (re)connect, as it carries the revision applied last. */
        Hello hello();

        /** A new whole view (full view, or the last one with a delta folded in). Called on a gRPC thread. */
        void view(HostView view);

        /** The SSH host certificate the controller signed for this host. Called on a gRPC thread. */
        default void sshHostCertificate(SshHostCertificate certificate) {}

        /** A renewed host certificate (PEM) for this host's key. Called on a gRPC thread. */
        default void hostCertificate(String pem) {}
    }

    /**
     * Where each connection's channel comes from: asked on every (re)connect, so it can join
     * first, or build a new channel when the host's certificate changed. A failure is retried
     * like a stream that ended with its status.
     */
    public interface ChannelSource extends AutoCloseable {
        ManagedChannel channel() throws Exception;

        @Override
        void close();

        /** Always {@code channel}, shut down on close. */
        static ChannelSource of(ManagedChannel channel) {
            return new ChannelSource() {
                @Override
                public ManagedChannel channel() {
                    return channel;
                }

                @Override
                public void close() {
                    channel.shutdownNow();
                }
            };
        }
    }

    /** Reconnect delays: {@code initial} after the first failure, doubling up to {@code max}. */
    public record Backoff(Duration initial, Duration max) {
        public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));

        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff: " + initial + ".." + max + " (expected: 0 < initial <= max)");
            }
        }

        Duration after(Duration delay) {
            Duration doubled = delay.multipliedBy(2);
            return doubled.compareTo(max) > 0 ? max : doubled;
        }
    }

    /** Runs reconnect attempts later; a test can record the delays instead of waiting for them. */
    public interface Scheduler extends AutoCloseable {
        void schedule(Runnable task, Duration delay);

        @Override
        default void close() {}

        /** A daemon thread of its own. */
        static Scheduler daemonThread() {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "control-reconnect");
                t.setDaemon(true);
                return t;
            });
            return new Scheduler() {
                @Override
                public void schedule(Runnable task, Duration delay) {
                    try {
                        timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        // closed meanwhile: no more reconnects
                    }
                }

                @Override
                public void close() {
                    timer.shutdownNow();
                }
            };
        }
    }

    /** Where channels come from (owned by the client, closed on close), the reconnect backoff and its scheduler. */
    public record Settings(ChannelSource channels, Backoff backoff, Scheduler reconnects) {
        /** One channel for every connection. */
        public Settings(ManagedChannel channel, Backoff backoff, Scheduler reconnects) {
            this(ChannelSource.of(channel), backoff, reconnects);
        }
    }

    public ControlClient(Settings settings, Handler handler) {
        this.channels = settings.channels();
        this.backoff = settings.backoff();
        this.reconnects = settings.reconnects();
        this.handler = handler;
        this.nextDelay = backoff.initial();
    }

    /** Channels from {@code channels}, the default backoff, a daemon thread for reconnects. */
    public static ControlClient create(ChannelSource channels, Handler handler) {
        return new ControlClient(new Settings(channels, Backoff.DEFAULT, Scheduler.daemonThread()), handler);
    }

    public void start() {
        connect();
    }

    public synchronized boolean connected() {
        return stream != null;
    }

    /** The host number from the last Welcome; 0 before the first. */
    public int hostNumber() {
        return hostNumber;
    }

    public void ack(long revision) {
        send(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(revision)).build());
    }

    public void report(StatusReport report) {
        send(AgentMessage.newBuilder().setStatus(report).build());
    }

    /** Asks for a fresh host certificate: {@code csr} is a request for this host's own key. */
    public void renewHostCertificate(byte[] csr) {
        send(AgentMessage.newBuilder().setRenewHostCertificate(com.google.protobuf.ByteString.copyFrom(csr)).build());
    }

    /** Asks for a fresh SSH host certificate for {@code publicKeyLine} (this host's own). */
    public void renewSshHostCertificate(String publicKeyLine) {
        send(AgentMessage.newBuilder().setRenewSshHostCertificate(publicKeyLine).build());
    }

    /**
     * Asks the controller to spend a web console token; completes with its answer (the machine, or
     * why not), or exceptionally when there is no stream or it ends first. The caller sets a deadline.
     */
    public CompletableFuture<ConsoleTokenSpent> spendConsoleToken(String token) {
        long id = spendIds.incrementAndGet();
        CompletableFuture<ConsoleTokenSpent> answer = new CompletableFuture<>();
        answer.whenComplete((a, e) -> spends.remove(id));
        spends.put(id, answer);
        if (!send(AgentMessage.newBuilder().setSpendConsoleToken(SpendConsoleToken.newBuilder().setRequestId(id).setToken(token)).build())) {
            answer.completeExceptionally(new IllegalStateException("this host is not connected to the controller"));
        }
        return answer;
    }

    private synchronized boolean send(AgentMessage message) {
        if (stream != null) {
            stream.onNext(message);
            return true;
        }
        return false;
    }

    private void connect() {
        if (closed) {
            return;
        }
        ManagedChannel channel;
        try {
            channel = channels.channel();
        } catch (Exception e) {
            if (!closed) {
                refused(Status.fromThrowable(e), "no control channel");
                reconnectLater();
            }
            return;
        }
        Hello hello = handler.hello();
        synchronized (this) {
            view = null;
            stream = AgentControlGrpc.newStub(channel).connect(new Responses());
            stream.onNext(AgentMessage.newBuilder().setHello(hello).build());
        }
    }

    /** Logs why a connection failed and sets the delay before the next: the longest when the controller refused this host. */
    private void refused(Status status, String what) {
        Duration delay;
        synchronized (this) {
            if (status.getCode() == Status.Code.UNAUTHENTICATED || status.getCode() == Status.Code.PERMISSION_DENIED) {
                nextDelay = backoff.max(); // a refusal will not fix itself quickly
            }
            delay = nextDelay;
        }
        if (status.getCode() == Status.Code.UNAUTHENTICATED || status.getCode() == Status.Code.PERMISSION_DENIED) {
            log.error("the controller refused this agent ({}: {}); retrying in {} ms", status.getCode(), status.getDescription(),
                    delay.toMillis());
        } else if (!closed) {
            log.warn("{} ({}{}{}); reconnecting in {} ms", what, status.getCode(),
                    status.getDescription() == null ? "" : " " + status.getDescription(),
                    status.getCause() == null ? "" : ": " + status.getCause().getMessage(), delay.toMillis());
        }
    }

    /** One stream's responses. */
    private final class Responses implements StreamObserver<ControllerMessage> {
        @Override
        public void onNext(ControllerMessage message) {
            HostView next;
            synchronized (ControlClient.this) {
                switch (message.getKindCase()) {
                    case WELCOME -> {
                        nextDelay = backoff.initial();
                        hostNumber = message.getWelcome().getHostNumber();
                        log.info("joined as host number {} ({}), controller {}", hostNumber,
                                message.getWelcome().getInfraAddress(), message.getWelcome().getControllerId());
                        return;
                    }
                    case SSH_HOST_CERTIFICATE -> {
                        handler.sshHostCertificate(message.getSshHostCertificate());
                        return;
                    }
                    case HOST_CERTIFICATE -> {
                        handler.hostCertificate(message.getHostCertificate());
                        return;
                    }
                    case CONSOLE_TOKEN_SPENT -> {
                        CompletableFuture<ConsoleTokenSpent> waiting = spends.get(message.getConsoleTokenSpent().getRequestId());
                        if (waiting != null) {
                            waiting.complete(message.getConsoleTokenSpent());
                        }
                        return;
                    }
                    case FULL_VIEW -> view = message.getFullView();
                    case DELTA -> {
                        if (view == null) {
                            log.warn("delta at revision {} before any full view; ignoring it", message.getDelta().getRevision());
                            return;
                        }
                        view = ViewFolder.fold(view, message.getDelta());
                    }
                    default -> {
                        log.warn("ignoring an unexpected controller message: {}", message.getKindCase());
                        return;
                    }
                }
                next = view;
            }
            handler.view(next);
        }

        @Override
        public void onError(Throwable t) {
            refused(Status.fromThrowable(t), "control stream ended");
            reconnectLater();
        }

        @Override
        public void onCompleted() {
            if (!closed) {
                log.warn("the controller closed the control stream; reconnecting");
            }
            reconnectLater();
        }
    }

    private void reconnectLater() {
        Duration delay;
        // answers to spends sent on the stream that ended will never come
        spends.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the control stream ended")));
        synchronized (this) {
            stream = null;
            delay = nextDelay;
            nextDelay = backoff.after(nextDelay);
        }
        if (closed) {
            return;
        }
        reconnects.schedule(this::connect, delay);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (stream != null) {
                stream.onCompleted();
                stream = null;
            }
        }
        reconnects.close();
        channels.close();
    }
}

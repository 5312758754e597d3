package dev.fleetnet.agent.control;

import dev.fleetnet.proto.v1.Ack;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.StatusReport;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the control channel: connects over the underlay, says Hello, folds the
 * full view and deltas into a whole view for {@code onView}, and reconnects with capped
 * exponential backoff whenever the stream ends. Threading: stream callbacks arrive on gRPC
 * threads; sends are serialised on this object.
 */
public final class ControlClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlClient.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private final ManagedChannel channel;
    private final Supplier<Hello> hello;
    private final Consumer<HostView> onView;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "control-reconnect");
        t.setDaemon(true);
        return t;
    });
    private StreamObserver<AgentMessage> stream; // guarded by this
    private HostView view; // only touched by the stream's callbacks, which gRPC serialises
    private long backoffMillis = 200;
    private volatile boolean closed;

    /** {@code hello} is asked for a fresh Hello on every (re)connect (it carries the applied revision). */
    public ControlClient(String controller, Supplier<Hello> hello, Consumer<HostView> onView) {
        this.channel = NettyChannelBuilder.forTarget(controller).usePlaintext()
                .keepAliveTime(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true).build();
        this.hello = hello;
        this.onView = onView;
    }

    public void start() {
        connect();
    }

    public synchronized boolean connected() {
        return stream != null;
    }

    public void ack(long revision) {
        send(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(revision)).build());
    }

    public void report(StatusReport report) {
        send(AgentMessage.newBuilder().setStatus(report).build());
    }

    private synchronized void send(AgentMessage message) {
        if (stream != null) {
            stream.onNext(message);
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        StreamObserver<AgentMessage> out = AgentControlGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(ControllerMessage message) {
                switch (message.getKindCase()) {
                    case WELCOME -> {
                        backoffMillis = 200;
                        log.info("joined as host number {} ({}), controller {}", message.getWelcome().getHostNumber(),
                                message.getWelcome().getInfraAddress(), message.getWelcome().getControllerId());
                    }
                    case FULL_VIEW -> {
                        view = message.getFullView();
                        onView.accept(view);
                    }
                    case DELTA -> {
                        if (view == null) {
                            log.warn("delta before a full view; ignoring it");
                            return;
                        }
                        view = ViewFolder.fold(view, message.getDelta());
                        onView.accept(view);
                    }
                    default -> log.warn("ignoring unexpected {}", message.getKindCase());
                }
            }

            @Override
            public void onError(Throwable t) {
                Status status = Status.fromThrowable(t);
                if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                    log.error("controller refused this agent: {}", status.getDescription());
                    backoffMillis = MAX_BACKOFF.toMillis();
                } else {
                    log.warn("control stream ended: {} {}", status.getCode(), status.getDescription() == null ? "" : status.getDescription());
                }
                reconnectLater();
            }

            @Override
            public void onCompleted() {
                log.warn("controller closed the control stream");
                reconnectLater();
            }
        });
        synchronized (this) {
            stream = out;
            view = null;
            out.onNext(AgentMessage.newBuilder().setHello(hello.get()).build());
        }
    }

    private void reconnectLater() {
        synchronized (this) {
            stream = null;
        }
        if (closed) {
            return;
        }
        long delay = backoffMillis;
        backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
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
        timer.shutdownNow();
        channel.shutdownNow();
    }
}

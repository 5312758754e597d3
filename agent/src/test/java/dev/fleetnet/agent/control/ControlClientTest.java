package dev.fleetnet.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ConsoleTokenSpent;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.SpendConsoleToken;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.StatusReport;
import dev.fleetnet.proto.v1.ViewDelta;
import dev.fleetnet.proto.v1.Welcome;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control client against an in-process fake controller, with reconnect delays recorded instead of waited for. */
class ControlClientTest {
    private final BlockingQueue<AgentMessage> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<StreamObserver<ControllerMessage>> streams = new LinkedBlockingQueue<>();
    private final BlockingQueue<HostView> views = new LinkedBlockingQueue<>();
    private final AtomicLong appliedRevision = new AtomicLong(3);
    private final RecordingScheduler scheduler = new RecordingScheduler();
    private Server server;
    private ControlClient client;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new AgentControlGrpc.AgentControlImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> responses) {
                streams.add(responses);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage message) {
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                };
            }
        }).build().start();
        ControlClient.Settings settings = new ControlClient.Settings(InProcessChannelBuilder.forName(name).directExecutor().build(),
                new ControlClient.Backoff(Duration.ofMillis(100), Duration.ofMillis(400)), scheduler);
        client = new ControlClient(settings, new ControlClient.Handler() {
            @Override
            public Hello hello() {
                return Hello.newBuilder().setPublicKey("pk").setEndpoint("[fd01::2]:51820")
                        .setAppliedRevision(appliedRevision.get()).build();
            }

            @Override
            public void view(HostView view) {
                views.add(view);
            }
        });
        client.start();
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void saysHelloKeepsTheHostNumberFoldsDeltasAndAnswers() throws Exception {
        Hello hello = next().getHello();
        assertThat(hello.getPublicKey()).isEqualTo("pk");
        assertThat(hello.getAppliedRevision()).isEqualTo(3);
        StreamObserver<ControllerMessage> stream = streams.take();

        stream.onNext(ControllerMessage.newBuilder().setWelcome(Welcome.newBuilder().setHostNumber(4)).build());
        assertThat(client.hostNumber()).isEqualTo(4);
        HostView full = HostView.newBuilder().setRevision(5).setHostName("h1").setHostNumber(4).addMachines(machine("a")).build();
        stream.onNext(ControllerMessage.newBuilder().setFullView(full).build());
        assertThat(views.poll(5, TimeUnit.SECONDS)).isEqualTo(full);
        stream.onNext(ControllerMessage.newBuilder().setDelta(ViewDelta.newBuilder().setRevision(6).addUpsertMachines(machine("b"))).build());
        assertThat(views.poll(5, TimeUnit.SECONDS)).isEqualTo(full.toBuilder().setRevision(6).addMachines(machine("b")).build());

        client.ack(6);
        StatusReport report = StatusReport.newBuilder().addMachines(MachineStatus.newBuilder().setName("a")
                .setState(MachineState.MACHINE_STATE_RUNNING)).build();
        client.report(report);
        assertThat(next().getAck().getRevision()).isEqualTo(6);
        assertThat(next().getStatus()).isEqualTo(report);
        assertThat(scheduler.delays).as("no reconnect while the stream is healthy").isEmpty();
    }

    @Test
    void aDeltaBeforeAnyFullViewIsIgnored() throws Exception {
        next();
        streams.take().onNext(ControllerMessage.newBuilder().setDelta(ViewDelta.newBuilder().setRevision(6)).build());
        assertThat(views).isEmpty();
    }

    @Test
    void reconnectsWithCappedExponentialBackoffAndAFreshHello() throws Exception {
        next();
        for (int attempt = 0; attempt < 4; attempt++) {
            streams.take().onError(Status.UNAVAILABLE.withDescription("controller restarting").asException());
            appliedRevision.set(10 + attempt);
            scheduler.runNext();
            assertThat(next().getHello().getAppliedRevision()).isEqualTo(10 + attempt);
        }
        assertThat(scheduler.delays).containsExactly(100L, 200L, 400L, 400L);

        StreamObserver<ControllerMessage> stream = streams.take();
        stream.onNext(ControllerMessage.newBuilder().setWelcome(Welcome.newBuilder().setHostNumber(1)).build());
        stream.onCompleted();
        assertThat(scheduler.delays).as("a welcome resets the backoff").endsWith(100L);
        scheduler.runNext();
        assertThat(next().hasHello()).isTrue();
    }

    @Test
    void aRefusedAgentRetriesSlowly() throws Exception {
        next();
        streams.take().onError(Status.UNAUTHENTICATED.withDescription("host 'h1': revoked").asException());
        assertThat(scheduler.delays).containsExactly(400L);
        scheduler.runNext();
        assertThat(next().hasHello()).isTrue();
    }

    @Test
    void consoleSpendsAreAnsweredByRequestIdAndFailWhenTheStreamEnds() throws Exception {
        next();
        StreamObserver<ControllerMessage> stream = streams.take();
        var first = client.spendConsoleToken("token-a");
        var second = client.spendConsoleToken("token-b");
        SpendConsoleToken a = next().getSpendConsoleToken();
        SpendConsoleToken b = next().getSpendConsoleToken();
        assertThat(a.getToken()).isEqualTo("token-a");
        assertThat(b.getToken()).isEqualTo("token-b");
        assertThat(a.getRequestId()).isNotEqualTo(b.getRequestId());
        // answered out of order: each answer finds its own request
        stream.onNext(ControllerMessage.newBuilder().setConsoleTokenSpent(ConsoleTokenSpent.newBuilder().setRequestId(b.getRequestId())
                .setRefusal("fleetnet: already used")).build());
        stream.onNext(ControllerMessage.newBuilder().setConsoleTokenSpent(ConsoleTokenSpent.newBuilder().setRequestId(a.getRequestId())
                .setMachine("web")).build());
        assertThat(first.get(5, TimeUnit.SECONDS).getMachine()).isEqualTo("web");
        assertThat(second.get(5, TimeUnit.SECONDS).getRefusal()).isEqualTo("fleetnet: already used");
        var unanswered = client.spendConsoleToken("token-c");
        next();
        stream.onError(Status.UNAVAILABLE.withDescription("controller restarting").asException());
        assertThat(unanswered).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("the control stream ended");
        assertThat(client.spendConsoleToken("token-d")).as("no stream until the reconnect").failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class).withMessageContaining("not connected to the controller");
    }

    private AgentMessage next() throws InterruptedException {
        AgentMessage message = received.poll(5, TimeUnit.SECONDS);
        assertThat(message).as("a message from the agent").isNotNull();
        return message;
    }

    private static MachineSpec machine(String name) {
        return MachineSpec.newBuilder().setName(name).setRunning(true).build();
    }

    /** Records each reconnect delay; runs the reconnect only when the test says so. */
    private static final class RecordingScheduler implements ControlClient.Scheduler {
        final List<Long> delays = new ArrayList<>();
        private final List<Runnable> pending = new ArrayList<>();

        @Override
        public synchronized void schedule(Runnable task, Duration delay) {
            delays.add(delay.toMillis());
            pending.add(task);
        }

        void runNext() {
            Runnable task;
            synchronized (this) {
                assertThat(pending).as("a scheduled reconnect").isNotEmpty();
                task = pending.remove(0);
            }
            task.run();
        }
    }
}

package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostApplied;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.StopMachineRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code machine stop} says whether the host applied the stop, and exits non-zero when the wait gave up. */
class MachineStopCommandTest {
    private volatile HostApplied answer;
    private Server server;

    private record Outcome(int exitCode, String out, String err) {}

    @BeforeEach
    void controller() throws Exception {
        server = TestTls.serverBuilder()
                .addService(new MachineServiceGrpc.MachineServiceImplBase() {
                    @Override
                    public void stopMachine(StopMachineRequest request, StreamObserver<Machine> out) {
                        out.onNext(Machine.newBuilder().setName(request.getName()).setHost("h2")
                                .setDesiredState(MachineState.MACHINE_STATE_STOPPED).setState(MachineState.MACHINE_STATE_RUNNING)
                                .setHostApplied(answer).build());
                        out.onCompleted();
                    }
                }).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private Outcome stopWeb(String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--controller", "127.0.0.1:" + server.getPort(),
                "machine", "stop", "web"), java.util.stream.Stream.of(more)).toArray(String[]::new);
        int code = FleetnetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), TestTls.env());
        return new Outcome(code, out.toString(), err.toString());
    }

    private static HostApplied outcome(HostApplied.Outcome outcome, long hostRevision, long waitedMillis) {
        return HostApplied.newBuilder().setOutcome(outcome).setHost("h2").setRevision(57).setHostRevision(hostRevision)
                .setWaitedMillis(waitedMillis).build();
    }

    @Test
    void appliedIsSaidAndExitsZero() {
        answer = outcome(HostApplied.Outcome.OUTCOME_APPLIED, 57, 120);
        Outcome outcome = stopWeb();
        assertThat(outcome.exitCode()).isZero();
        assertThat(outcome.out()).startsWith("name:     web\n").endsWith("stop applied by host 'h2' (revision 57, after 0.1s)\n");
        assertThat(outcome.err()).isEmpty();
    }

    @Test
    void aTimedOutWaitIsAnErrorWithTheRevisionsAndExitsFour() {
        answer = outcome(HostApplied.Outcome.OUTCOME_TIMED_OUT, 41, 10_004);
        Outcome outcome = stopWeb();
        assertThat(outcome.exitCode()).isEqualTo(4);
        assertThat(outcome.out()).doesNotContain("applied by");
        assertThat(outcome.err().strip()).isEqualTo("error: machine 'web' is stopped in the fleet, but host 'h2' did not confirm"
                + " applying the stop within 10.0s (it acknowledged revision 41; expected: revision 57 or later); until it does,"
                + " the machine may still be reachable there");
    }

    @Test
    void aDisconnectedHostIsAnErrorAndExitsFour() {
        answer = outcome(HostApplied.Outcome.OUTCOME_HOST_DISCONNECTED, 41, 3);
        Outcome outcome = stopWeb();
        assertThat(outcome.exitCode()).isEqualTo(4);
        assertThat(outcome.err().strip()).isEqualTo("error: machine 'web' is stopped in the fleet, but host 'h2' is disconnected"
                + " (it last acknowledged revision 41; expected: revision 57 or later): the stop applies when it reconnects;"
                + " until then the machine may still run there");
    }

    @Test
    void anAnswerWithoutTheOutcomeIsNotTakenForSuccess() {
        answer = HostApplied.getDefaultInstance();
        Outcome outcome = stopWeb();
        assertThat(outcome.exitCode()).isEqualTo(4);
        assertThat(outcome.err()).contains("the controller did not say whether host 'h2' applied the stop (outcome 0;");
    }

    @Test
    void jsonCarriesTheOutcomeAndTheExitStatusStillTells() {
        answer = outcome(HostApplied.Outcome.OUTCOME_TIMED_OUT, 41, 10_004);
        Outcome outcome = stopWeb("--json");
        assertThat(outcome.exitCode()).isEqualTo(4);
        assertThat(outcome.out()).contains("\"host_applied\"").contains("\"outcome\": \"OUTCOME_TIMED_OUT\"");
    }
}

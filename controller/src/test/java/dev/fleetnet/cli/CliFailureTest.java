package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.ApiErrors;
import dev.fleetnet.controller.auth.ApiCa;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.StartMachineRequest;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the CLI tells its failures apart: each with its message and its documented exit status. */
class CliFailureTest {
    private record Outcome(int exitCode, String out, String err) {}

    private Server server;
    private String controller;
    private final AtomicInteger createsReceived = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = TestTls.serverBuilder().addService(new HostServiceGrpc.HostServiceImplBase() {
            @Override
            public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> out) {
                out.onError(ApiErrors.etcdUnavailable("etcd get /fleetnet/v1/hosts/* failed: java.util.concurrent.TimeoutException"));
            }
        }).addService(new MachineServiceGrpc.MachineServiceImplBase() {
            @Override
            public void createMachine(CreateMachineRequest request, StreamObserver<Machine> out) {
                createsReceived.incrementAndGet(); // and never answers: the write's outcome is unknown to the caller
            }

            @Override
            public void startMachine(StartMachineRequest request, StreamObserver<Machine> out) {
                switch (request.getName()) {
                    case "denied" -> out.onError(Status.PERMISSION_DENIED.withDescription("API token 'ci' is read-only and"
                            + " fleetnet.v1.MachineService/StartMachine writes (expected: a token created without --read-only)")
                            .asRuntimeException());
                    default -> out.onError(Status.UNAUTHENTICATED.withDescription("no API token (expected: ...)").asRuntimeException());
                }
            }

            @Override
            public void getMachine(dev.fleetnet.proto.v1.GetMachineRequest request, StreamObserver<Machine> out) {
                // never answers: a read that times out is "did not answer", not "outcome unknown"
            }
        }).build().start();
        controller = "127.0.0.1:" + server.getPort();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private Outcome run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FleetnetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Outcome(code, out.toString(), err.toString());
    }

    private Outcome run(String... args) {
        return run(TestTls.env(), args);
    }

    @Test
    void etcdUnavailableIsExitFiveAndSaysTheControllerIsUp() {
        Outcome outcome = run("--controller", controller, "host", "list");
        assertThat(outcome.exitCode()).isEqualTo(5);
        assertThat(outcome.err().strip()).isEqualTo("error: the controller at " + controller + " (from --controller) is up but etcd"
                + " is unavailable: etcd get /fleetnet/v1/hosts/* failed: java.util.concurrent.TimeoutException (expected: a running"
                + " etcd the controller can reach; nothing was changed)");
    }

    @Test
    void aWriteSentButNotAnsweredIsOutcomeUnknownExitSix() throws Exception {
        Outcome outcome = run("--controller", controller, "--timeout", "700ms", "machine", "create", "web", "--host", "h1");
        assertThat(outcome.exitCode()).isEqualTo(6);
        assertThat(outcome.err().strip()).startsWith("error: outcome unknown: MachineService/CreateMachine was sent to the controller at "
                + controller + " (from --controller) but no answer came (DEADLINE_EXCEEDED: ").endsWith("it may have been applied"
                + " (expected: check with a get or list before trying again)");
        assertThat(createsReceived).as("the request did reach the controller").hasValue(1);
    }

    @Test
    void aReadNotAnsweredIsUnreachableExitThree() {
        Outcome outcome = run("--controller", controller, "--timeout", "500ms", "machine", "get", "web");
        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.err().strip()).startsWith("error: the controller at " + controller + " (from --controller) did not answer in time:");
    }

    @Test
    void noTokenIsExitSevenWithWhereTheCliLooked() {
        Map<String, String> env = new HashMap<>(TestTls.env());
        env.remove("FLEETNET_TOKEN");
        Outcome outcome = run(env, "--controller", controller, "machine", "start", "web");
        assertThat(outcome.exitCode()).isEqualTo(7);
        assertThat(outcome.err().strip()).isEqualTo("error: UNAUTHENTICATED: no API token (expected: ...) (this CLI found no token:"
                + " set FLEETNET_TOKEN_FILE or FLEETNET_TOKEN, or use a context with one; see `fleetnet context add`)");
    }

    @Test
    void aReadOnlyTokenWritingIsExitSeven() {
        Outcome outcome = run("--controller", controller, "machine", "start", "denied");
        assertThat(outcome.exitCode()).isEqualTo(7);
        assertThat(outcome.err().strip()).startsWith("error: PERMISSION_DENIED: API token 'ci' is read-only");
    }

    @Test
    void aControllerWhoseCertificateAnotherCaSignedIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path otherCa = dir.resolve("other-ca.pem");
        Files.writeString(otherCa, ApiCa.generate(Instant.now()).certificatePem());
        Map<String, String> env = new HashMap<>(TestTls.env());
        env.put("FLEETNET_CA", otherCa.toString());
        Outcome outcome = run(env, "--controller", controller, "host", "list");
        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.err().strip()).startsWith("error: TLS with the controller at " + controller + " (from --controller) failed: ")
                .endsWith("(expected: its certificate signed by the CA in FLEETNET_CA or the context's ca-file, for the name or address used)");
    }

    @Test
    void aBadTimeoutIsRefusedBeforeAnyCall() {
        Outcome outcome = run("--controller", controller, "--timeout", "soon", "host", "list");
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err().strip()).isEqualTo("error: --timeout: 'soon' (expected: a positive number and ms, s or m, e.g. 30s)");
    }
}

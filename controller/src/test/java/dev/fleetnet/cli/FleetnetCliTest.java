package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FleetnetCliTest {

    private record Outcome(int exitCode, String out, String err) {}

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FleetnetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void unreachableControllerIsOneLineWithTheAddressAndAHint() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Outcome outcome = run("--controller", "127.0.0.1:" + port, "host", "list");
        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.err().strip()).doesNotContain("\n")
                .startsWith("error: cannot reach the controller at 127.0.0.1:" + port)
                .contains("lab up");
    }

    @Test
    void aRefusedRouteShowsTheControllersReasonOnOneLine() throws Exception {
        String reason = "port: 9000 (expected: one of the ports machine 'web' exposes: 8080, 8081)";
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new RouteServiceGrpc.RouteServiceImplBase() {
                    @Override
                    public void addRoute(AddRouteRequest request, StreamObserver<Route> out) {
                        out.onError(Status.FAILED_PRECONDITION.withDescription(reason).asRuntimeException());
                    }
                }).build().start();
        try {
            Outcome outcome = run("--controller", "127.0.0.1:" + server.getPort(), "route", "add", "x.example.com",
                    "--machine", "web", "--port", "9000");
            assertThat(outcome.exitCode()).isEqualTo(1);
            assertThat(outcome.err().strip()).isEqualTo("error: FAILED_PRECONDITION: " + reason);
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void unknownBackendIsRejectedBeforeAnyCall() {
        Outcome outcome = run("--controller", "127.0.0.1:1", "machine", "create", "web", "--host", "h1", "--backend", "qemu");
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err().strip()).isEqualTo("error: --backend: 'qemu' (expected: netns or tap)");
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        Outcome outcome = run("machine", "create", "web");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("Missing required option: '--host=<host>'");
    }

    @Test
    void execNeedsACommand() {
        Outcome outcome = run("machine", "exec", "web");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("CMD");
    }

    @Test
    void tablesPadColumnsAndShowDashForEmptyCells() {
        String rendered = new Table("NAME", "ADDRESS").row("web-1", "fdaa:0:1:0:1:0:1:0").row("x", "").render();
        assertThat(rendered).isEqualTo("""
                NAME   ADDRESS
                web-1  fdaa:0:1:0:1:0:1:0
                x      -
                """);
    }
}

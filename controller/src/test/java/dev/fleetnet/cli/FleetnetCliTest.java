package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.DeleteCertificateRequest;
import dev.fleetnet.proto.v1.DeleteCertificateResponse;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.GetFleetCaResponse;
import dev.fleetnet.proto.v1.ListCertificatesRequest;
import dev.fleetnet.proto.v1.ListCertificatesResponse;
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
        int code = FleetnetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), TestTls.env());
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
        Server server = TestTls.serverBuilder()
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

    /** A fake CertificateService that records the upload it got. */
    private static final class FakeCertificates extends CertificateServiceGrpc.CertificateServiceImplBase {
        static final CertificateInfo INFO = CertificateInfo.newBuilder().setHostname("shop.example.com")
                .setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED).addNames("shop.example.com").addNames("www.shop.example.com")
                .setIssuer("CN=Test CA").setNotAfterEpochSeconds(1_800_000_000L).setSha256Fingerprint("ab".repeat(32))
                .setKeyType("EC P-256").build();
        volatile AddCertificateRequest added;

        @Override
        public void addCertificate(AddCertificateRequest request, StreamObserver<CertificateInfo> out) {
            added = request;
            out.onNext(INFO);
            out.onCompleted();
        }

        @Override
        public void listCertificates(ListCertificatesRequest request, StreamObserver<ListCertificatesResponse> out) {
            out.onNext(ListCertificatesResponse.newBuilder().addCertificates(INFO).addAcmeFailures(dev.fleetnet.proto.v1.AcmeFailures
                    .newBuilder().setHostname("bad.example.com").setCount(3).setLastFailureEpochMillis(1_800_000_000_000L)
                    .setNextAttemptEpochMillis(1_800_000_240_000L).setLastError("http-01 validation of bad.example.com ended INVALID"))
                    .build());
            out.onCompleted();
        }

        @Override
        public void getFleetCa(GetFleetCaRequest request, StreamObserver<GetFleetCaResponse> out) {
            out.onNext(GetFleetCaResponse.newBuilder().setCertificatePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").build());
            out.onCompleted();
        }

        @Override
        public void deleteCertificate(DeleteCertificateRequest request, StreamObserver<DeleteCertificateResponse> out) {
            out.onError(Status.NOT_FOUND.withDescription("hostname: '" + request.getHostname() + "' has no uploaded certificate")
                    .asRuntimeException());
        }
    }

    @Test
    void machineConsolePrintsTheLinkFirstAndSaysWhatItOpens() throws Exception {
        java.util.List<dev.fleetnet.proto.v1.OpenConsoleRequest> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Server server = TestTls.serverBuilder()
                .addService(new dev.fleetnet.proto.v1.ConsoleServiceGrpc.ConsoleServiceImplBase() {
                    @Override
                    public void openConsole(dev.fleetnet.proto.v1.OpenConsoleRequest request,
                            StreamObserver<dev.fleetnet.proto.v1.OpenConsoleResponse> out) {
                        asked.add(request);
                        if (request.getMachine().equals("db")) {
                            out.onError(Status.FAILED_PRECONDITION.withDescription("machine 'db' is stopped (expected: a running machine;"
                                    + " `fleetnet machine start db`)").asRuntimeException());
                            return;
                        }
                        out.onNext(dev.fleetnet.proto.v1.OpenConsoleResponse.newBuilder().setUrl("https://console.fleet.internal/#T0KEN")
                                .setMachine(request.getMachine()).setExpiresEpochSeconds(1_800_000_000L).build());
                        out.onCompleted();
                    }
                }).build().start();
        String controller = "127.0.0.1:" + server.getPort();
        try {
            Outcome ok = run("--controller", controller, "machine", "console", "web", "--ttl", "5m");
            assertThat(ok.exitCode()).isZero();
            assertThat(ok.out().lines().toList()).containsExactly("https://console.fleet.internal/#T0KEN",
                    "opens one terminal session on machine web; valid until 2027-01-15T08:00:00Z, once");
            assertThat(asked.get(0).getTtlSeconds()).isEqualTo(300);
            assertThat(run("--controller", controller, "machine", "console", "web").exitCode()).isZero();
            assertThat(asked.get(1).getTtlSeconds()).as("the default").isEqualTo(60);
            assertThat(run("--controller", controller, "--json", "machine", "console", "web").out())
                    .contains("\"url\": \"https://console.fleet.internal/#T0KEN\"");
            Outcome stopped = run("--controller", controller, "machine", "console", "db");
            assertThat(stopped.exitCode()).isEqualTo(1);
            assertThat(stopped.err().strip()).isEqualTo("error: FAILED_PRECONDITION: machine 'db' is stopped (expected: a running machine;"
                    + " `fleetnet machine start db`)");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void certCommandsPrintThePemTheTableAndTheReasons(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        FakeCertificates fake = new FakeCertificates();
        Server server = TestTls.serverBuilder()
                .addService(fake).build().start();
        String controller = "127.0.0.1:" + server.getPort();
        try {
            assertThat(run("--controller", controller, "cert", "ca").out())
                    .isEqualTo("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

            Outcome list = run("--controller", controller, "cert", "list");
            assertThat(list.out().lines().toList()).containsExactly(
                    "HOSTNAME          SOURCE    NAMES                                  ISSUER      EXPIRES               FINGERPRINT",
                    "shop.example.com  uploaded  shop.example.com,www.shop.example.com  CN=Test CA  2027-01-15T08:00:00Z  " + "ab".repeat(32),
                    "",
                    "ACME FAILING     FAILURES  LAST                  NEXT ATTEMPT          ERROR",
                    "bad.example.com  3         2027-01-15T08:00:00Z  2027-01-15T08:04:00Z  http-01 validation of bad.example.com ended INVALID");
            assertThat(run("--controller", controller, "cert", "list", "--json").out()).contains("\"sha256_fingerprint\"");

            java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("cert.pem"), "CERT PEM");
            java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("key.pem"), "KEY PEM");
            Outcome add = run("--controller", controller, "cert", "add", "shop.example.com", "--cert", cert.toString(), "--key", key.toString());
            assertThat(add.exitCode()).isEqualTo(0);
            assertThat(fake.added.getCertificateChainPem()).isEqualTo("CERT PEM");
            assertThat(fake.added.getPrivateKeyPem()).isEqualTo("KEY PEM");
            assertThat(add.out()).contains("shop.example.com").doesNotContain("KEY PEM");

            Outcome missing = run("--controller", controller, "cert", "add", "shop.example.com", "--cert", dir.resolve("nope.pem").toString(),
                    "--key", key.toString());
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.err().strip()).isEqualTo("error: --cert: '" + dir.resolve("nope.pem")
                    + "' cannot be read (NoSuchFileException) (expected: a readable PEM file)");

            Outcome delete = run("--controller", controller, "cert", "delete", "gone.example.com");
            assertThat(delete.exitCode()).isEqualTo(1);
            assertThat(delete.err().strip()).isEqualTo("error: NOT_FOUND: hostname: 'gone.example.com' has no uploaded certificate");
        } finally {
            server.shutdownNow();
        }
    }
}

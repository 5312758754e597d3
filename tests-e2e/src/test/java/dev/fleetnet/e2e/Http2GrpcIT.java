package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Route;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 and gRPC through the ingress on a real 3-host lab: curl from the underlay negotiates h2
 * with host 1 for a machine on host 3 (HTTP/1.1 behind), and a grpc-java client in the underlay
 * calls a grpc-java h2c server inside a machine through an {@code --h2c} route over TLS.
 */
class Http2GrpcIT {
    private static LabFixture fixture;
    private static String internet;
    private static String host1;
    private static Path dir;
    private static Path fleetCa;
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        host1 = new LabLayout("x", 3).hostUnderlayAddress(1);
        dir = Files.createTempDirectory("fleetnet-h2-it-");
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h3").addPorts(8080).build());
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("grpc").setHost("h3").addPorts(9090).build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, 8); // the lab's 6 demo machines, web and grpc
            servers.add(MachineServerLauncher.start(client, "web", dir.resolve("web.log")));
            servers.add(startGrpcServer(client, "grpc", 9090));
            fleetCa = dir.resolve("fleet-ca.pem");
            Files.writeString(fleetCa, client.certificates().getFleetCa(GetFleetCaRequest.getDefaultInstance()).getCertificatePem());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("h2.example.test")
                    .setMachine("web").setPort(8080).setOwner("web")).build());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("grpc.example.test")
                    .setMachine("grpc").setPort(9090).setOwner("grpc").setH2C(true)).build());
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        servers.forEach(Process::destroyForcibly);
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void curlNegotiatesH2ThroughHost1ToAMachineOnHost3() {
        Deadline.await("h2 through host 1", Duration.ofSeconds(30), () -> curlH2("/h2").output().contains("2 200"));
        Shell.Result result = curlH2("/h2");
        assertThat(result.output()).startsWith("hello from web").endsWith("2 200");
    }

    @Test
    void grpcCallsPassThroughAnH2cRouteOverTls() throws Exception {
        Deadline.await("gRPC through host 1", Duration.ofSeconds(60), () -> grpcClient().output().contains("unary=echo: lab"));
        String out = grpcClient().output();
        assertThat(out).contains("unary=echo: lab", "trailer=bye", "proto=https", "stream=20 last=n20", "deadline=DEADLINE_EXCEEDED");
    }

    private static Shell.Result curlH2(String path) {
        return Shell.inNamespace(internet, "curl", "-sS", "--http2", "--max-time", "10", "--cacert", fleetCa.toString(),
                "-w", "\n%{http_version} %{response_code}", "--resolve", "h2.example.test:443:[" + host1 + "]",
                "https://h2.example.test" + path);
    }

    private static Shell.Result grpcClient() {
        return Shell.run(List.of("ip", "netns", "exec", internet, java(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                GrpcEcho.class.getName(), "client", host1, "443", "grpc.example.test", fleetCa.toString()));
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static Process startGrpcServer(FleetClient client, String machine, int port) throws Exception {
        String netns = client.machines().getMachine(GetMachineRequest.newBuilder().setName(machine).build()).getNetns();
        Process server = new ProcessBuilder("ip", "netns", "exec", netns, java(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), GrpcEcho.class.getName(), "server", Integer.toString(port))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
        String ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null && !line.equals("ready")) {
                    // skip until ready
                }
                return line;
            } catch (java.io.IOException e) {
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        if (!"ready".equals(ready)) {
            server.destroyForcibly();
            throw new IllegalStateException("gRPC server in machine " + machine + " did not start");
        }
        return server;
    }
}

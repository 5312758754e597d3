package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.core.DurableFiles;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.proto.v1.ApiToken;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.proto.v1.ListApiTokensRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab's public API as its users meet it: TLS and the admin token its controller wrote, curl on
 * the REST API with the token in a header file, no secret in any process's command line (the lab's
 * etcd, controller and agents, and a running CLI), and a controller restart that keeps the token.
 */
class LabApiIT {
    private static LabFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = LabFixture.start(1, "2s");
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static String secret(Path file) throws Exception {
        return Files.readString(file).strip();
    }

    @Test
    void psShowsNoSecretOfTheLabNorOfARunningCli() throws Exception {
        String admin = secret(fixture.lab.adminTokenFile());
        List<String> joins = new ArrayList<>(); // each agent's own join token (spent once it joined, still a secret)
        for (int host = 1; host <= fixture.lab.layout().hosts(); host++) {
            joins.add(secret(fixture.lab.tokenFile(host)));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.lab.adminTokenFile()))).isEqualTo("rw-------");
        String machine = fixture.runningMachines().get(0).getName();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.fleetnet.cli.FleetnetCli",
                "machine", "exec", machine, "--", "sleep", "47"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(fixture.lab.config().dir().resolve("cli.log").toFile());
        builder.environment().putAll(fixture.cliEnv());
        builder.environment().put("FLEETNET_CONTROLLER", fixture.lab.state().apiAddress());
        Process cli = builder.start();
        try {
            Deadline.await("the CLI's machine exec to run its command", Duration.ofSeconds(60),
                    () -> Shell.run(List.of("pgrep", "-f", "sleep 47")).ok() || !cli.isAlive());
            assertThat(cli.isAlive()).as("CLI still running; its log: " + Files.readString(fixture.lab.config().dir().resolve("cli.log")))
                    .isTrue();
            String ps = Shell.run(List.of("ps", "-eww", "-o", "pid,args")).output();
            assertThat(ps).contains("dev.fleetnet.cli.FleetnetCli machine exec").contains("dev.fleetnet.controller.ControllerMain")
                    .contains("dev.fleetnet.agent.AgentMain").contains("--admin-token-file");
            assertThat(ps).as("ps").doesNotContain(admin).doesNotContain(joins.toArray(String[]::new));
            for (long pid : fixture.lab.state().pids().values()) {
                Path cmdline = Path.of("/proc/" + pid + "/cmdline");
                if (Files.exists(cmdline)) {
                    String args = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                    assertThat(args).doesNotContain(admin).doesNotContain(joins.toArray(String[]::new));
                }
            }
        } finally {
            cli.descendants().forEach(ProcessHandle::destroyForcibly);
            cli.destroyForcibly();
            cli.waitFor();
        }
    }

    @Test
    void curlReachesTheRestApiWithTheTokenInAHeaderFile() throws Exception {
        Path dir = fixture.lab.config().dir();
        Path header = dir.resolve("curl-auth-header");
        DurableFiles.write(header, ("Authorization: Bearer " + secret(fixture.lab.adminTokenFile()) + "\n").getBytes(StandardCharsets.US_ASCII),
                DurableFiles.OWNER_ONLY);
        String base = "https://" + fixture.lab.state().restAddress();
        List<String> curl = List.of("curl", "-sS", "--cacert", fixture.lab.apiCaFile().toString(), "-o", "/dev/stdout", "-w", "\n%{http_code}");
        Shell.Result listed = Shell.run(concat(curl, "-H", "@" + header, base + "/v1/machines"));
        assertThat(listed.output()).endsWith("\n200").contains("\"machines\"").contains(fixture.runningMachines().get(0).getName());
        Shell.Result anonymous = Shell.run(concat(curl, base + "/v1/machines"));
        assertThat(anonymous.output()).endsWith("\n401").contains("\"code\":\"UNAUTHENTICATED\"");

        String reader;
        try (FleetClient client = fixture.client()) {
            reader = client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("lab-reader").setReadOnly(true).build())
                    .getSecret();
        }
        Path readerHeader = dir.resolve("curl-reader-header");
        DurableFiles.write(readerHeader, ("Authorization: Bearer " + reader + "\n").getBytes(StandardCharsets.US_ASCII),
                DurableFiles.OWNER_ONLY);
        Shell.Result denied = Shell.run(concat(curl, "-H", "@" + readerHeader, "-H", "Content-Type: application/json",
                "-d", "{\"name\":\"lab-net\"}", base + "/v1/networks"));
        assertThat(denied.output()).endsWith("\n403").contains("\"code\":\"PERMISSION_DENIED\"");
        Shell.Result spec = Shell.run(concat(curl, base + "/openapi.yaml"));
        assertThat(spec.output()).startsWith("# The fleetnet controller's REST/JSON API").endsWith("\n200");
    }

    @Test
    void aControllerRestartKeepsTheAdminTokenAndCreatesNoOther() throws Exception {
        String before = secret(fixture.lab.adminTokenFile());
        fixture.lab.stopController();
        fixture.lab.startController();
        assertThat(secret(fixture.lab.adminTokenFile())).isEqualTo(before);
        try (FleetClient client = fixture.client()) {
            assertThat(client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList()).isNotEmpty();
            assertThat(client.tokens().listTokens(ListApiTokensRequest.getDefaultInstance()).getTokensList())
                    .extracting(ApiToken::getName).filteredOn("admin"::equals).hasSize(1);
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

}

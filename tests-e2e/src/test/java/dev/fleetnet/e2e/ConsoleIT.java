package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The web console on a real 2-host lab, in a real browser: Debian's chromium, headless, driven by
 * playwright-core ({@code tests-e2e/browser/console-driver.mjs}) from the underlay namespace ("the
 * internet"), trusting the fleet CA through its own NSS database as a user would. The link is what
 * {@code fleetnet machine console} prints; the browser resolves the console's name to host 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    private static final String CONSOLE = "console." + LabConfig.INGRESS_SUFFIX;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Path REPORTS = Path.of("target", "failsafe-reports");
    private static LabFixture fixture;
    private static String internet;
    private static String host1;
    private static Path dir;
    private static Process driver;
    private static Writer commands;
    private static final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    /** The link of the first session, opened again by the reuse test. */
    private static String firstLink;

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(2, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        host1 = new LabLayout("x", 2).hostUnderlayAddress(1);
        dir = Files.createTempDirectory("fleetnet-console-it-");
        Path ca = dir.resolve("fleet-ca.pem");
        try (FleetClient client = fixture.client()) {
            int demo = client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesCount();
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h1").build());
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("far").setHost("h2").build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, demo + 2);
            Files.writeString(ca, client.certificates().getFleetCa(GetFleetCaRequest.getDefaultInstance()).getCertificatePem());
        }
        // the browser trusts the fleet CA the way a user's would: in its NSS database (HOME/.pki/nssdb)
        Path home = dir.resolve("home");
        Path nss = Files.createDirectories(home.resolve(".pki/nssdb"));
        run("certutil", "-d", "sql:" + nss, "-N", "--empty-password");
        run("certutil", "-d", "sql:" + nss, "-A", "-t", "C,,", "-n", "fleetnet-fleet-ca", "-i", ca.toString());
        Deadline.await("host 1 to serve " + CONSOLE + " with the fleet certificate", DEADLINE, () -> Shell.inNamespace(internet, "curl",
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", ca.toString(), "--resolve",
                CONSOLE + ":443:[" + host1 + "]", "https://" + CONSOLE + "/").output().equals("200"));
        Path browser = Path.of(System.getProperty("fleetnet.home", "..")).resolve("tests-e2e/browser").toAbsolutePath().normalize();
        driver = new ProcessBuilder("ip", "netns", "exec", internet, "env", "HOME=" + home, "node", "console-driver.mjs", CONSOLE, host1)
                .directory(browser.toFile()).redirectError(dir.resolve("driver.log").toFile()).start();
        commands = new java.io.OutputStreamWriter(driver.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("console-driver").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    answers.add(line);
                }
            } catch (java.io.IOException e) {
                // the driver ended
            }
        });
    }

    @AfterAll
    static void stopLab() throws Exception {
        if (driver != null) {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
            driver.waitFor(10, TimeUnit.SECONDS);
        }
        if (fixture != null) {
            fixture.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(String... command) {
        Shell.Result r = Shell.run(List.of(command));
        assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.output()).isZero();
    }

    /** One command to the browser driver, and its answer; fails with what the terminal showed. */
    private static JsonObject browser(JsonObject command) throws Exception {
        commands.write(command + "\n");
        commands.flush();
        String line = answers.poll(90, TimeUnit.SECONDS);
        assertThat(line).as("the browser driver's answer to " + command + "; its log: " + driverLog()).isNotNull();
        JsonObject answer = JsonParser.parseString(line).getAsJsonObject();
        assertThat(answer.get("ok").getAsBoolean()).as(command + " failed: " + answer).isTrue();
        return answer;
    }

    private static String driverLog() {
        try {
            return Files.readString(dir.resolve("driver.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static JsonObject op(String op, Object... pairs) {
        JsonObject command = new JsonObject();
        command.addProperty("op", op);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] instanceof Number n) {
                command.addProperty((String) pairs[i], n);
            } else {
                command.addProperty((String) pairs[i], String.valueOf(pairs[i + 1]));
            }
        }
        return command;
    }

    private static String waitText(String text) throws Exception {
        return browser(op("waitText", "text", text, "ms", 45_000)).get("text").getAsString();
    }

    private static int[] size(String marker) throws Exception {
        browser(op("type", "text", "stty size | sed 's/^/" + marker + "=/;s/ /x/'\n"));
        JsonArray groups = browser(op("waitMatch", "regex", marker + "=(\\d+)x(\\d+)", "ms", 45_000)).getAsJsonArray("groups");
        return new int[] {groups.get(1).getAsInt(), groups.get(2).getAsInt()};
    }

    private static String link(String machine) {
        LabFixture.CliResult r = fixture.cli("machine", "console", machine);
        assertThat(r.code()).as(r.err()).isZero();
        String url = r.out().lines().findFirst().orElse("");
        assertThat(url).startsWith("https://" + CONSOLE + "/#");
        assertThat(r.out()).contains("opens one terminal session on machine " + machine);
        return url;
    }

    private static long sessionsStarted(int host, String machine) throws java.io.IOException {
        Path log = fixture.lab.config().dir().resolve("agent-h" + host + ".log");
        return Files.readAllLines(log).stream().filter(l -> l.contains("console session") && l.contains("start: link -> machine " + machine))
                .count();
    }

    @Test
    @Order(1)
    void aTerminalInTheBrowserTypesReadsAndResizes() throws Exception {
        firstLink = link("web");
        browser(op("open", "url", firstLink));
        waitText("fleetnet: machine web, through host h1");
        browser(op("waitStatus", "text", "connected", "ms", 30_000));
        browser(op("type", "text", "echo \"sum=$((20+22))\"\n"));
        waitText("sum=42");
        browser(op("type", "text", "echo \"gr\u00fc\u00df \u2713 $((3*3))\"\n"));
        waitText("gr\u00fc\u00df \u2713 9");
        // paste goes in as one piece (bash's bracketed paste waits for Enter); copy takes a line back out
        browser(op("paste", "text", "echo \"pasted=$((6*7))\""));
        browser(op("type", "text", "\n"));
        waitText("pasted=42");
        assertThat(browser(op("copyLine", "text", "pasted=42")).get("copied").getAsString()).contains("pasted=42");
        int[] before = size("A1");
        browser(op("resize", "width", 560, "height", 300));
        browser(op("waitStatus", "text", "connected (", "ms", 30_000));
        int[] after = size("A2");
        assertThat(after[0]).as("rows after the window shrank (before: %s)", before[0]).isLessThan(before[0]);
        assertThat(after[1]).as("columns after the window shrank (before: %s)", before[1]).isLessThan(before[1]);
        Files.createDirectories(REPORTS);
        browser(op("screenshot", "path", REPORTS.resolve("ConsoleIT-terminal.png").toAbsolutePath()));
        assertThat(REPORTS.resolve("ConsoleIT-terminal.png")).isNotEmptyFile();
        assertThat(sessionsStarted(1, "web")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aUsedOrExpiredLinkIsRefusedAndOpensNothing() throws Exception {
        browser(op("open", "url", firstLink)); // the first session's page closes: its WebSocket with it
        waitText("was already used");
        JsonObject status = browser(op("waitStatus", "text", "closed: ", "ms", 30_000));
        assertThat(status.get("status").getAsString()).contains("already used");
        // the terminal wraps long lines: read it as one
        assertThat(status.get("text").getAsString().replace("\n", "")).contains("fleetnet: this console link for machine 'web' was already used at")
                .contains("(through host 'h1')");
        assertThat(sessionsStarted(1, "web")).as("sessions the host started for machine web").isEqualTo(1);

        LabFixture.CliResult brief = fixture.cli("machine", "console", "web", "--ttl", "1s");
        assertThat(brief.code()).as(brief.err()).isZero();
        java.time.Instant expires = java.time.Instant.parse(brief.out().replaceAll("(?s).*valid until (\\S+), once.*", "$1"));
        Deadline.await("the 1 s link to expire", DEADLINE, () -> java.time.Instant.now().isAfter(expires.plusSeconds(1))); // printed to the second
        browser(op("open", "url", brief.out().lines().findFirst().orElseThrow()));
        waitText("expired at");
        assertThat(browser(op("waitStatus", "text", "closed: ", "ms", 30_000)).get("text").getAsString().replace("\n", ""))
                .contains("fleetnet: this console link for machine 'web' expired at");
        assertThat(sessionsStarted(1, "web")).as("sessions the host started for machine web").isEqualTo(1);
    }

    @Test
    @Order(3)
    void aMachineOnAnotherHostIsReachedThroughThisOne() throws Exception {
        browser(op("open", "url", link("far")));
        waitText("fleetnet: machine far, through host h1");
        browser(op("type", "text", "echo \"far=$((40+2))\"; hostname >/dev/null\n"));
        waitText("far=42");
        assertThat(sessionsStarted(1, "far")).as("host 1 runs the session, relayed to h2").isEqualTo(1);
    }

    @Test
    @Order(4)
    void stoppingTheMachineEndsItsSessionWithAMessage() throws Exception {
        browser(op("open", "url", link("web")));
        waitText("fleetnet: machine web, through host h1");
        browser(op("type", "text", "echo \"up$((2+3))\"; sleep 300\n"));
        waitText("up5");
        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName("web").build());
        }
        waitText("fleetnet: machine 'web' stopped; closing the session");
        JsonObject status = browser(op("waitStatus", "text", "closed: ", "ms", 30_000));
        assertThat(status.get("status").getAsString()).isEqualTo("closed: fleetnet: machine 'web' stopped; closing the session");
        browser(op("screenshot", "path", REPORTS.resolve("ConsoleIT-stopped.png").toAbsolutePath()));
        LabFixture.CliResult stopped = fixture.cli("machine", "console", "web");
        assertThat(stopped.code()).isNotZero();
        assertThat(stopped.err()).contains("machine 'web' is stopped (expected: a running machine; `fleetnet machine start web`)");
    }
}

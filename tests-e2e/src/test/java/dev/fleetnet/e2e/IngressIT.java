package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import dev.fleetnet.proto.v1.ListRoutesRequest;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.StopMachineRequest;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Ingress issue's proof: real servers in machines on hosts 2 and 3, reached through host 1's
 * ingress with curl from the underlay namespace (the lab's "internet").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressIT {
    private static final String SUFFIX = "fleet.internal";
    private static LabFixture fixture;
    private static String internet;
    private static final String HOST1 = "http://[" + new LabLayout("x", 3).hostUnderlayAddress(1) + "]";
    private static final List<Process> servers = new ArrayList<>();
    private static Path logs;

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        logs = Files.createTempDirectory("fleetnet-ingress-it-");
        try (FleetClient client = fixture.client()) {
            create(client, CreateMachineRequest.newBuilder().setName("web").setHost("h3").addPorts(8080).addPorts(8081));
            create(client, CreateMachineRequest.newBuilder().setName("api-1").setHost("h2").setApp("api").addPorts(8080));
            create(client, CreateMachineRequest.newBuilder().setName("api-2").setHost("h3").setApp("api").addPorts(8080));
            create(client, CreateMachineRequest.newBuilder().setName("cold").setHost("h1").addPorts(8080));
            dev.fleetnet.lab.Lab.awaitAllRunning(client, 10);
        }
        for (String name : List.of("web", "api-1", "api-2")) {
            startServer(name);
        }
        for (String name : List.of("web", "api-1", "api-2")) {
            Deadline.await(name + " to answer through the ingress", Duration.ofSeconds(30),
                    () -> get(name + "." + SUFFIX, "/").startsWith("200 hello from " + name));
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        servers.forEach(Process::destroyForcibly);
        if (fixture != null) {
            fixture.close();
        }
        try (var paths = Files.walk(logs)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void everyAddressingFormReachesTheMachineOnHost3ThroughHost1() {
        assertThat(get("web-8080." + SUFFIX, "/a")).startsWith("200 hello from web\npath=/a\n");
        assertThat(get("8080__web." + SUFFIX, "/b")).startsWith("200 hello from web\npath=/b\n");
        assertThat(get("web." + SUFFIX, "/c")).startsWith("200 hello from web\npath=/c\n");
        assertThat(get("anything." + SUFFIX, "/proxy/web/8080/d/e?f=1")).startsWith("200 hello from web\npath=/d/e?f=1\n");
        // never on a hostname outside the fleet suffix: a customer's origin must not serve another machine
        assertThat(get("anything.example.org", "/proxy/web/8080/d/e?f=1")).startsWith("404 ");
    }

    @Test
    @Order(2)
    void forwardingHeadersAreSetAndSpoofedOnesReplaced() {
        String body = curl("-H", "Host: web." + SUFFIX, "-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Machine-ID: evil", HOST1 + "/");
        assertThat(body).contains("x-forwarded-for: fd01::1\n", "x-machine-id: web\n", "x-forwarded-host: web." + SUFFIX + "\n",
                "x-forwarded-proto: http\n", "x-forwarded-port: 80\n", "via: 1.1 fleetnet\n", "host: web." + SUFFIX + "\n",
                "forwarded: for=\"[fd01::1]\";host=web." + SUFFIX + ";proto=http\n")
                .doesNotContain("6.6.6.6", "evil");
    }

    @Test
    @Order(3)
    void explicitAndWildcardRoutesAndAppBalancing() {
        try (FleetClient client = fixture.client()) {
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("shop.example.test")
                    .setMachine("web").setPort(8080)).build());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("*.apps.example.test")
                    .setApp("api").setPort(8080).setOwner("api-1")).build());
            assertThat(client.routes().whoOwns(WhoOwnsRequest.newBuilder().setHostname("shop.example.test").build()).getOwner())
                    .isEqualTo("web");
            assertThat(client.routes().whoOwns(WhoOwnsRequest.newBuilder().setHostname("x.apps.example.test").build()).getOwner())
                    .isEqualTo("api-1");
        }
        Deadline.await("explicit route on host 1", Duration.ofSeconds(10), () -> get("shop.example.test", "/").startsWith("200 hello from web"));
        java.util.Set<String> seen = new java.util.HashSet<>();
        Deadline.await("both app machines to serve", Duration.ofSeconds(20), () -> {
            seen.add(get("x.apps.example.test", "/").split("\n")[0]);
            seen.add(get("api." + SUFFIX, "/").split("\n")[0]);
            return seen.containsAll(List.of("200 hello from api-1", "200 hello from api-2"));
        }, seen::toString);
    }

    @Test
    @Order(4)
    void everyErrorIsJsonWithItsStatus() {
        assertThat(get("nowhere.example.org", "/")).isEqualTo("404 {\"error\": \"unknown hostname nowhere.example.org\", \"machine\": null, \"port\": null}\n");
        assertThat(get("ghost." + SUFFIX, "/")).isEqualTo("404 {\"error\": \"unknown machine\", \"machine\": \"ghost\", \"port\": null}\n");
        assertThat(get("web-9999." + SUFFIX, "/")).isEqualTo("403 {\"error\": \"port not exposed\", \"machine\": \"web\", \"port\": 9999}\n");
        assertThat(get("cold." + SUFFIX, "/")).isEqualTo("502 {\"error\": \"upstream refused the connection\", \"machine\": \"cold\", \"port\": 8080}\n");
        assertThat(get("web." + SUFFIX, "/slow")).isEqualTo("504 {\"error\": \"upstream did not respond in time\", \"machine\": \"web\", \"port\": 8080}\n");
        assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", HOST1 + "/health")).isEqualTo("200");
    }

    @Test
    @Order(5)
    void smugglingAttemptsAre400AndNeverReachTheMachine() throws Exception {
        String marker = "/smuggled-" + System.nanoTime();
        for (String framing : List.of("Content-Length: 4\\r\\nTransfer-Encoding: chunked", "Content-Length: 4\\r\\nContent-Length: 5",
                "Transfer-Encoding: chunked, identity")) {
            String raw = "POST " + marker + " HTTP/1.1\\r\\nHost: web." + SUFFIX + "\\r\\n" + framing + "\\r\\n\\r\\n0\\r\\n\\r\\n";
            Shell.Result result = Shell.inNamespace(internet, "bash", "-c",
                    "exec 3<>/dev/tcp/fd01::1:1/80; printf '" + raw + "' >&3; timeout 5 head -1 <&3");
            assertThat(result.output()).as(framing).startsWith("HTTP/1.1 400 ");
        }
        assertThat(Files.readString(logs.resolve("web.log"))).doesNotContain(marker);
    }

    @Test
    @Order(6)
    void webSocketEchoesThroughTheProxy() {
        Shell.Result result = Shell.inNamespace(internet, javaCommand(), "-cp", System.getProperty("java.class.path"),
                "-Djdk.httpclient.allowRestrictedHeaders=host", "-Dws.host=anything." + SUFFIX,
                WsProbe.class.getName(), "ws://[fd01::1:1]/proxy/web/8081/ws", "one", "two");
        assertThat(result.output()).contains("web echoes one\nweb echoes two\n");
    }

    @Test
    @Order(7)
    void largeBodiesStreamThroughAnAgentWhoseHeapIsSmallerThanThem() {
        long size = 512L * 1024 * 1024; // the lab's agents run with -Xmx128m
        assertThat(upload("web." + SUFFIX, size)).as("over the default 100 MiB limit")
                .startsWith("{\"error\": \"request body too large (limit 104857600 bytes)\"");
        try (FleetClient client = fixture.client()) {
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("big.example.test")
                    .setMachine("web").setPort(8080).setMaxBodyBytes(1L << 30)).build());
        }
        Deadline.await("the big route on host 1", Duration.ofSeconds(10), () -> get("big.example.test", "/").startsWith("200 "));
        assertThat(upload("big.example.test", size)).isEqualTo("received=" + size);
        String download = curl("-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time", "120", "-H", "Host: web." + SUFFIX,
                HOST1 + "/download?n=" + size);
        assertThat(download).isEqualTo("200 " + size);
        assertThat(ProcessHandle.of(fixture.lab.state().pids().get("agent-h1")).map(ProcessHandle::isAlive)).contains(true);
    }

    @Test
    @Order(7)
    void curlWaitingFor100ContinueIsAnsweredAtOnce() throws Exception {
        Path file = logs.resolve("expect.bin");
        Files.write(file, new byte[200_000]);
        // --expect100-timeout 30: if the ingress never sent 100 Continue, curl would wait 30 s, past --max-time 10
        String out = curl("-sS", "--max-time", "10", "--expect100-timeout", "30", "-H", "Expect: 100-continue",
                "-H", "Host: web." + SUFFIX, "-T", file.toString(), "-w", " %{http_code}", HOST1 + "/upload");
        assertThat(out).isEqualTo("received=200000 200");
    }

    /** POSTs {@code size} zero bytes, streamed by curl from a pipe, through host 1's ingress. */
    private static String upload(String host, long size) {
        String cmd = "head -c " + size + " /dev/zero | curl -s --max-time 120 -H " + quote("Host: " + host)
                + " -H 'Content-Type: application/octet-stream' -H 'Content-Length: " + size + "' -H 'Expect:' -H 'Transfer-Encoding:' -X POST -T - "
                + HOST1 + "/upload";
        return Shell.inNamespace(internet, "bash", "-c", cmd).output();
    }

    @Test
    @Order(8)
    void aMachineStoppedUnderLoadGetsNothingAfterTheStopReturnsAndNoRequestHangs() throws Exception {
        Path results = logs.resolve("loop.txt");
        String loop = "for i in $(seq 1 300); do curl -s -o /dev/null -m 5 -w '%{http_code}\\n' -H 'Host: api-2." + SUFFIX
                + "' http://[fd01::1:1]/; done > " + results;
        CompletableFuture<Shell.Result> load = CompletableFuture.supplyAsync(() -> Shell.inNamespace(internet, "bash", "-c", loop));
        Deadline.await("the load to reach api-2", Duration.ofSeconds(20), () -> lines(logs.resolve("api-2.log")) > 20);
        long acknowledged;
        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName("api-2").build());
            acknowledged = System.currentTimeMillis();
        }
        load.get(5, TimeUnit.MINUTES);
        List<String> codes = Files.readAllLines(results);
        long afterStop = Files.readAllLines(logs.resolve("api-2.log")).stream()
                .filter(line -> Long.parseLong(line.split(" ")[0]) > acknowledged).count();
        assertThat(afterStop).as("requests that reached api-2 after the stop returned").isZero();
        assertThat(codes).as("hung requests").doesNotContain("000");
        assertThat(codes).contains("200", "503");
        assertThat(codes.get(codes.size() - 1)).isEqualTo("503");
        assertThat(get("api-2." + SUFFIX, "/")).startsWith("503 {\"error\": \"machine not running\"");
        assertThat(get("api." + SUFFIX, "/")).as("the app skips the stopped machine").startsWith("200 hello from api-1");
    }

    @Test
    @Order(9)
    void deletingAMachineDeletesTheRoutesItOwns() {
        try (FleetClient client = fixture.client()) {
            client.machines().deleteMachine(DeleteMachineRequest.newBuilder().setName("api-1").build());
            assertThat(client.routes().listRoutes(ListRoutesRequest.newBuilder().setOwner("api-1").build()).getRoutesList()).isEmpty();
        }
        Deadline.await("the wildcard route to be gone", Duration.ofSeconds(10),
                () -> get("x.apps.example.test", "/").startsWith("404 "));
    }

    private static void create(FleetClient client, CreateMachineRequest.Builder request) {
        client.machines().createMachine(request.build());
    }

    private static void startServer(String name) throws Exception {
        try (FleetClient client = fixture.client()) {
            servers.add(MachineServerLauncher.start(client, name, logs.resolve(name + ".log")));
        }
    }

    /** "STATUS BODY" of a GET through host 1's ingress. */
    private static String get(String host, String path) {
        String out = curl("-H", "Host: " + host, "-w", "\n%{http_code}", HOST1 + path);
        int cut = out.lastIndexOf('\n');
        return out.substring(cut + 1) + " " + out.substring(0, cut);
    }

    private static String curl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", internet, "curl", "-s", "--max-time", "20"));
        argv.addAll(List.of(args));
        return Shell.run(argv).output();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}

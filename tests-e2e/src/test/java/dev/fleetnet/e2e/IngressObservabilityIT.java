package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.HostRouteCounters;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteStatsRequest;
import dev.fleetnet.proto.v1.RouteStatsResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Observability of the ingress on a real 2-host lab: requests through host 1 to a machine on host 2
 * are counted in host 1's /metrics (read on the host's own loopback), written one line each to its
 * access log, and reported to the controller (route stats); machines cannot reach the admin port.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressObservabilityIT {
    private static final int N = 7;
    private static final String ROUTE_HOST = "shop.obs.test";
    private static LabFixture fixture;
    private static String internet;
    private static Path logs;
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(2, "5s");
        internet = fixture.lab.layout().underlayNamespace();
        logs = Files.createTempDirectory("fleetnet-obs-it-");
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h2").addPorts(8080).build());
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("probe").setHost("h1").addPorts(8080).build());
            Lab.awaitAllRunning(client, 6); // the lab's 2 per host and these 2
            servers.add(MachineServerLauncher.start(client, "web", logs.resolve("web.log")));
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname(ROUTE_HOST)
                    .setMachine("web").setPort(8080)).build());
        }
        // the route is in host 1's table once its metrics say so: nothing is sent through it before
        Deadline.await("the route in host 1's ingress", Duration.ofSeconds(20),
                () -> metrics(1).contains("\nfleetnet_ingress_routes 1.0\n"), () -> metrics(1));
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
    void requestsThroughHost1AreCountedLoggedAndReported() throws Exception {
        String host1 = "http://[" + fixture.lab.layout().hostUnderlayAddress(1) + "]";
        for (int i = 0; i < N; i++) {
            Shell.Result r = Shell.inNamespace(internet, "curl", "-s", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
                    "-H", "Host: " + ROUTE_HOST, host1 + "/obs/" + i + "?secret=x");
            assertThat(r.output()).as("request " + i).isEqualTo("200");
        }

        String series = "{owner=\"web\",protocol=\"http\",route=\"" + ROUTE_HOST + "/\"}";
        String text = metrics(1);
        assertThat(value(text, "fleetnet_ingress_requests_total" + series)).isEqualTo(N);
        assertThat(value(text, "fleetnet_ingress_responses_total{owner=\"web\",protocol=\"http\",route=\"" + ROUTE_HOST
                + "/\",status_class=\"2xx\"}")).isEqualTo(N);
        assertThat(value(text, "fleetnet_ingress_duration_seconds_count" + series)).isEqualTo(N);
        assertThat(value(text, "fleetnet_ingress_sent_bytes_total" + series)).isPositive();
        assertThat(value(text, "fleetnet_ingress_view_revision")).isPositive();
        assertThat(metrics(2)).as("host 2 carried none of them").doesNotContain("fleetnet_ingress_requests_total" + series);

        Path accessLog = fixture.lab.accessLog(1);
        List<JsonObject> lines = new ArrayList<>();
        Deadline.await("N lines in host 1's access log", Duration.ofSeconds(10), () -> {
            lines.clear();
            lines.addAll(routeLines(accessLog));
            return lines.size() >= N;
        }, lines::toString);
        assertThat(lines).hasSize(N);
        for (int i = 0; i < N; i++) {
            JsonObject line = lines.get(i);
            assertThat(line.get("path").getAsString()).isEqualTo("/obs/" + i);
            assertThat(line.get("status").getAsInt()).isEqualTo(200);
            assertThat(line.get("host").getAsString()).isEqualTo(ROUTE_HOST);
            assertThat(line.get("method").getAsString()).isEqualTo("GET");
            assertThat(line.get("route").getAsString()).isEqualTo(ROUTE_HOST + "/");
            assertThat(line.get("owner").getAsString()).isEqualTo("web");
            assertThat(line.get("machine").getAsString()).isEqualTo("web");
            assertThat(line.get("client").getAsString()).isEqualTo(fixture.lab.layout().controllerUnderlayAddress());
            assertThat(line.get("protocol").getAsString()).isEqualTo("HTTP/1.1");
        }

        List<HostRouteCounters> seen = new ArrayList<>();
        Deadline.await("route stats to show host 1's counts", Duration.ofSeconds(20), () -> {
            try (FleetClient client = fixture.client()) {
                RouteStatsResponse stats = client.routes().routeStats(RouteStatsRequest.newBuilder().setHostname(ROUTE_HOST)
                        .setPath("/obs/1").build());
                seen.clear();
                seen.addAll(stats.getHostsList());
                return seen.stream().anyMatch(h -> h.getHost().equals("h1") && h.getCounters().getRequests() == N);
            }
        }, seen::toString);
        HostRouteCounters h1 = seen.stream().filter(h -> h.getHost().equals("h1")).findFirst().orElseThrow();
        assertThat(h1.getCounters().getStatusClassesMap()).containsEntry("2xx", (long) N);
        assertThat(h1.getCounters().getRoute()).isEqualTo(ROUTE_HOST + "/");
        assertThat(h1.getCounters().getLatencyP99Ms()).isGreaterThanOrEqualTo(h1.getCounters().getLatencyP50Ms()).isPositive();
        assertThat(seen).extracting(HostRouteCounters::getHost).doesNotContain("h2");
    }

    @Test
    @Order(2)
    void machinesCannotReachTheAdminPortWhileTheHostCan() throws Exception {
        String hostNs = fixture.lab.layout().hostNamespace(1);
        assertThat(curl(hostNs, "http://127.0.0.1:" + Lab.ADMIN_PORT + "/health").output()).isEqualTo("200");
        String machineNs;
        try (FleetClient client = fixture.client()) {
            machineNs = client.machines().getMachine(GetMachineRequest.newBuilder().setName("probe").build()).getNetns();
        }
        List<String> targets = new ArrayList<>(List.of("127.0.0.1", "[::1]"));
        for (String address : hostAddresses(hostNs)) {
            targets.add(address.contains(":") ? "[" + address + "]" : address);
        }
        assertThat(targets).hasSizeGreaterThan(2);
        for (String target : targets) {
            Shell.Result fromMachine = curl(machineNs, "http://" + target + ":" + Lab.ADMIN_PORT + "/metrics");
            assertThat(fromMachine.output()).as("from machine 'probe' to " + target).isEqualTo("000");
        }
    }

    /** Host {@code host}'s global addresses (what a machine could aim at). */
    private static List<String> hostAddresses(String hostNs) {
        String out = Shell.inNamespace(hostNs, "ip", "-o", "addr", "show", "scope", "global").output();
        List<String> addresses = new ArrayList<>();
        Matcher m = Pattern.compile("inet6? ([0-9a-f.:]+)/").matcher(out);
        while (m.find()) {
            addresses.add(m.group(1));
        }
        return addresses;
    }

    private static Shell.Result curl(String namespace, String url) {
        return Shell.inNamespace(namespace, "curl", "-s", "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}", url);
    }

    /** Host {@code host}'s /metrics, read inside its namespace (the admin port is on that namespace's loopback). */
    private static String metrics(int host) {
        return Shell.inNamespace(fixture.lab.layout().hostNamespace(host), "curl", "-s", "--max-time", "5",
                "http://127.0.0.1:" + Lab.ADMIN_PORT + "/metrics").output();
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " in:\n" + text);
    }

    private static List<JsonObject> routeLines(Path accessLog) {
        try {
            if (!Files.exists(accessLog)) {
                return List.of();
            }
            return Files.readAllLines(accessLog).stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                    .filter(l -> l.get("path").isJsonPrimitive() && l.get("path").getAsString().startsWith("/obs/")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}

package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A machine's routes live and die with it, judged by what the ingress attempted: a steady loop
 * of clients through every host, over an HTTP route and a TCP route, while the owner stops and
 * starts. After {@code machine stop} returns, the access logs of every host hold no request or
 * connection that was sent to the machine (not merely none that it answered: the machine's
 * server is not what is tested), while they do hold the refused attempts of the same loop.
 */
class LifecycleIT {
    private static final String HOSTNAME = "life.example.test";
    private static final int PUBLIC_PORT = 7100;
    private static LabFixture fixture;
    private static String internet;
    private static final List<String> hosts = new ArrayList<>();
    private static Path dir;
    private static final List<Process> servers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        LabLayout layout = new LabLayout("x", 3);
        for (int h = 1; h <= 3; h++) {
            hosts.add(layout.hostUnderlayAddress(h));
        }
        dir = Files.createTempDirectory("fleetnet-lifecycle-it-");
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h3").addPorts(8080).build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, 7); // the lab's 6 demo machines and web
            servers.add(MachineServerLauncher.start(client, "web", dir.resolve("web.log")));
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname(HOSTNAME)
                    .setMachine("web").setPort(8080)).build());
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setPublicPort(PUBLIC_PORT)
                    .setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setMachine("web").setPort(8080)).build());
        }
        for (String host : hosts) {
            Deadline.await("both routes through " + host, Duration.ofSeconds(30),
                    () -> viaHttpRoute(host).startsWith("200") && viaTcpRoute(host).startsWith("200"));
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        servers.forEach(Process::destroyForcibly);
        if (fixture != null) {
            fixture.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void afterStopReturnsNoHostSendsAnythingToTheMachineAndAfterStartEveryHostDoesAgain() throws Exception {
        List<String> after = new CopyOnWriteArrayList<>();
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread loop = Thread.ofPlatform().start(() -> {
            for (int i = 0; !done.get(); i++) {
                String host = hosts.get(i % hosts.size());
                String http = viaHttpRoute(host);
                String tcp = viaTcpRoute(host);
                if (stopped.get()) {
                    after.add(http);
                    after.add(tcp);
                }
            }
        });
        try {
            Instant stopReturned;
            Instant startCalled;
            try (FleetClient client = fixture.client()) {
                client.machines().stopMachine(StopMachineRequest.newBuilder().setName("web").build());
                stopReturned = Instant.now();
                stopped.set(true);
                Deadline.await("30 attempts through the hosts after the stop", Duration.ofSeconds(60), () -> after.size() >= 30);
                assertThat(after).as("answers after the stop returned").noneMatch(a -> a.startsWith("200"));

                startCalled = Instant.now();
                client.machines().startMachine(StartMachineRequest.newBuilder().setName("web").build());
                dev.fleetnet.lab.Lab.awaitAllRunning(client, 7);
                servers.add(MachineServerLauncher.start(client, "web", dir.resolve("web.log"))); // a started netns machine starts empty
            }
            for (String host : hosts) {
                Deadline.await("both routes through " + host + " after the start", Duration.ofSeconds(30),
                        () -> viaHttpRoute(host).startsWith("200") && viaTcpRoute(host).startsWith("200"));
            }
            done.set(true);
            loop.join(Duration.ofSeconds(30));

            List<JsonObject> lines = new ArrayList<>();
            for (int h = 1; h <= 3; h++) {
                Path log = fixture.lab.accessLog(h);
                for (String line : Files.readAllLines(log)) {
                    lines.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
            List<JsonObject> ours = lines.stream().filter(l -> route(l).equals(HOSTNAME + "/") || route(l).equals("tcp/" + PUBLIC_PORT))
                    .toList();
            // attempts that began after the stop returned and before the start was asked for
            List<JsonObject> whileStopped = ours.stream().filter(l -> time(l).isAfter(stopReturned) && time(l).isBefore(startCalled))
                    .toList();
            List<JsonObject> sentToTheMachine = whileStopped.stream().filter(l -> str(l, "machine").equals("web")).toList();
            assertThat(whileStopped.stream().filter(l -> str(l, "machine").isEmpty()).count())
                    .as("refused attempts logged while stopped (the loop really ran)").isGreaterThanOrEqualTo(20);
            assertThat(whileStopped.stream().map(l -> str(l, "protocol")).distinct().toList())
                    .as("both routes were tried while stopped").contains("tcp");
            assertThat(sentToTheMachine).as("attempts sent to the machine after the stop returned, before it started").isEmpty();
            assertThat(ours.stream().filter(l -> time(l).isAfter(startCalled) && str(l, "machine").equals("web")).count())
                    .as("the machine is sent to again after its start").isPositive();
        } finally {
            done.set(true);
            loop.join(Duration.ofSeconds(30));
        }
    }

    private static String route(JsonObject line) {
        return str(line, "route");
    }

    private static String str(JsonObject line, String field) {
        return line.has(field) && !line.get(field).isJsonNull() ? line.get(field).getAsString() : "";
    }

    private static Instant time(JsonObject line) {
        return Instant.parse(line.get("time").getAsString());
    }

    /** "STATUS" of a GET through {@code host}'s HTTP ingress with the route's hostname; "000" when nothing answered. */
    private static String viaHttpRoute(String host) {
        return curl("-H", "Host: " + HOSTNAME, "http://[" + host + "]/life");
    }

    /** The same through the TCP route: the relay carries the machine's HTTP. */
    private static String viaTcpRoute(String host) {
        return curl("-H", "Host: " + HOSTNAME, "http://[" + host + "]:" + PUBLIC_PORT + "/life-tcp");
    }

    private static String curl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", internet, "curl", "-s", "-o", "/dev/null",
                "-w", "%{http_code}", "--max-time", "5"));
        argv.addAll(List.of(args));
        return Shell.run(argv).output().strip();
    }
}

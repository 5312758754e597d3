package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.state.ViewEnvelope;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.Machine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The "state that survives" proof on a real two-host lab: host 1's agent is restarted with an
 * empty, a truncated and a corrupt saved view while the controller is down. Each time the file is
 * moved aside with one log line, nothing of host 1's data plane changes (namespaces, links,
 * addresses, routes, WireGuard peers, the packet filter) and its machines keep answering pings
 * from host 2. With the controller back, the agent converges: it builds the machine created while
 * it was away, keeps everything else, and saves a view it trusts again.
 */
class SavedViewIT {
    private static final Duration PAIR_DEADLINE = Duration.ofSeconds(20);
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static LabFixture fixture;

    /** A damage done to the saved view, and what the agent's log line says about it. */
    private record Damage(String name, UnaryOperator<byte[]> damage, String said) {}

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(LabFixture.newPrefix("fs"), 2, "30s", List.of(), List.of());
    }

    @AfterAll
    static void stopLab() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aBadSavedViewDeletesNothingWithTheControllerDownAndTheAgentConvergesWhenItReturns() throws Exception {
        Lab lab = fixture.lab;
        LabLayout layout = lab.layout();
        List<Machine> before = fixture.runningMachines();
        assertThat(before).extracting(Machine::getHost).containsOnly("h1", "h2").contains("h1", "h2");
        assertThat(fixture.failingPairs(before, PAIR_DEADLINE)).isEmpty();

        lab.stopAgent(1);
        Path view = fixture.agentStateDir(1).resolve("view.pb");
        byte[] good = Files.readAllBytes(view);
        assertThat(ViewEnvelope.open(good, "h1")).as("the agent saved a view it trusts").isInstanceOf(ViewEnvelope.Whole.class);
        try (FleetClient client = fixture.client()) { // desired state moves on while host 1's agent is away
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("late-1").setHost("h1").build());
        }
        lab.stopController();
        HostDataPlane kept = HostDataPlane.of(layout, 1);
        assertThat(kept.namespaces()).hasSize(2);

        List<Damage> damages = List.of(
                new Damage("empty", bytes -> new byte[0], "not used: empty (0 bytes"),
                new Damage("truncated", bytes -> Arrays.copyOf(bytes, bytes.length / 2), "not used: truncated: " + good.length / 2
                        + " bytes, its header announces " + good.length + " bytes"),
                new Damage("corrupt", bytes -> {
                    byte[] damaged = bytes.clone();
                    for (int i = bytes.length / 2; i < bytes.length / 2 + 16; i++) {
                        damaged[i] ^= (byte) 0xff;
                    }
                    return damaged;
                }, "not used: corrupt: SHA-256 "));
        for (Damage damage : damages) {
            if (damage != damages.get(0)) {
                lab.stopAgent(1);
            }
            Files.write(view, damage.damage().apply(good));
            long logFrom = Files.size(fixture.agentLog(1));
            int setAsideBefore = setAside(fixture.agentStateDir(1)).size();
            lab.startAgent(1);
            String log = awaitLog(logFrom, "agent for host h1 started");
            assertThat(log).as(damage.name() + ": the agent says what was wrong and where the file went")
                    .contains("saved view " + view + " " + damage.said()).contains("; moved to " + view + ".corrupt-")
                    .contains("starting without a view").doesNotContain("view at revision");
            assertThat(view).as(damage.name() + ": moved aside").doesNotExist();
            assertThat(setAside(fixture.agentStateDir(1))).as(damage.name()).hasSize(setAsideBefore + 1);
            assertThat(fixture.failingPairs(before, PAIR_DEADLINE)).as(damage.name() + ": pings across hosts").isEmpty();
            assertThat(HostDataPlane.of(layout, 1)).as(damage.name() + ": host 1's data plane is as it was").isEqualTo(kept);
        }

        long logFrom = Files.size(fixture.agentLog(1));
        lab.startController();
        try (FleetClient client = fixture.client()) {
            Deadline.await("h1 to connect", START_DEADLINE, () -> client.hosts().listHosts(ListHostsRequest.getDefaultInstance())
                    .getHostsList().stream().anyMatch(h -> h.getName().equals("h1") && h.getConnected()));
            Lab.awaitAllRunning(client, before.size() + 1);
        }
        assertThat(awaitLog(logFrom, "(from the controller)")).contains("view at revision");
        List<Machine> after = fixture.runningMachines();
        assertThat(after).extracting(Machine::getName).contains("late-1");
        assertThat(fixture.failingPairs(after, PAIR_DEADLINE)).as("pings after convergence").isEmpty();
        HostDataPlane converged = HostDataPlane.of(layout, 1);
        assertThat(converged.namespaces()).containsAll(kept.namespaces()).hasSize(3);
        assertThat(converged.links()).containsAll(kept.links());
        assertThat(converged.routes()).containsAll(kept.routes());
        assertThat(converged.peers()).isEqualTo(kept.peers());
        Deadline.await("a trusted view saved again", START_DEADLINE, () -> Files.exists(view));
        assertThat(ViewEnvelope.open(Files.readAllBytes(view), "h1")).isInstanceOf(ViewEnvelope.Whole.class);
    }

    /** What a pass could change on one host: its machines' namespaces and addresses, links, routes, peers and filter. */
    private record HostDataPlane(List<String> namespaces, List<String> addresses, List<String> links, List<String> routes,
            List<String> peers, String filter) {
        static HostDataPlane of(LabLayout layout, int host) {
            String ns = layout.hostNamespace(host);
            List<String> namespaces = fixture.net.namespaces().stream().filter(n -> n.startsWith(layout.machineNetnsPrefix(host)))
                    .sorted().toList();
            List<String> addresses = new ArrayList<>();
            for (String machine : namespaces) {
                addresses.add(machine + " " + fixture.net.addresses(machine, "eth0"));
            }
            List<String> links = fixture.net.links(ns).stream().map(l -> l.name() + (l.up() ? " up" : " down")).sorted().toList();
            for (String link : links) {
                String name = link.substring(0, link.indexOf(' '));
                addresses.add(name + " " + fixture.net.addresses(ns, name));
            }
            List<String> routes = fixture.net.routes(ns).stream().map(Object::toString).sorted().toList();
            Shell.Result dump = Shell.inNamespace(ns, "wg", "show", layout.meshInterface(host), "dump");
            assertThat(dump.ok()).as(dump.output()).isTrue();
            List<String> peers = dump.output().lines().skip(1).map(line -> { // key, preshared key, endpoint, allowed IPs
                String[] fields = line.split("\t");
                return String.join(" ", Arrays.asList(fields).subList(0, 4));
            }).sorted().toList();
            Shell.Result table = Shell.inNamespace(ns, "nft", "list", "table", "inet", "fleetnet");
            assertThat(table.ok()).as(table.output()).isTrue();
            String filter = table.output().replaceAll("counter packets \\d+ bytes \\d+", "counter");
            return new HostDataPlane(namespaces, addresses, links, routes, peers, filter);
        }
    }

    /** The files the agent moved aside so far. */
    private static List<String> setAside(Path stateDir) throws IOException {
        try (var files = Files.list(stateDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("view.pb.")).sorted().toList();
        }
    }

    /** Waits until host 1's agent log, from byte {@code from} on, contains {@code text}; returns that part of the log. */
    private static String awaitLog(long from, String text) {
        Path log = fixture.agentLog(1);
        Deadline.await("'" + text + "' in " + log, START_DEADLINE, () -> logSince(log, from).contains(text), () -> logSince(log, from));
        return logSince(log, from);
    }

    private static String logSince(Path log, long from) {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

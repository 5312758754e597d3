package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The private network's proof on a real 3-host lab: isolation between networks and
 * anti-spoofing enforced by each host's nftables table, what a machine may reach of its host,
 * and the internal DNS on fdaa::3 as dig sees it from inside machines. Every refusal is checked
 * on the receiving side (a socat listener recording what arrived), after a permitted send to
 * the same listener has arrived.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivateNetworkIT {
    private static LabFixture fixture;
    private static Path dir;
    private static Process upstream;
    private static final Map<String, Machine> machines = new HashMap<>();
    private static final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        dir = Files.createTempDirectory("fleetnet-private-it-");
        LabLayout probe = new LabLayout("x", 3);
        String upstreamAddress = "[" + probe.controllerUnderlayAddress() + "]:5353";
        fixture = LabFixture.start(3, "5s", List.of(upstreamAddress));
        // "The internet's" resolver for other zones: dnsmasq in the underlay namespace.
        upstream = new ProcessBuilder("ip", "netns", "exec", fixture.lab.layout().underlayNamespace(), "dnsmasq", "--no-daemon",
                "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=" + probe.controllerUnderlayAddress(),
                "--port=5353", "--host-record=www.example.test,fd00::99", "--pid-file=").redirectErrorStream(true)
                .redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        try (FleetClient client = fixture.client()) {
            client.networks().createNetwork(CreateNetworkRequest.newBuilder().setName("blue").build());
            create(client, "web-1", "h1", "default", "web");
            create(client, "web-2", "h2", "default", "web");
            create(client, "web-3", "h3", "default", "web");
            create(client, "blue-1", "h1", "blue", "bluesvc");
            create(client, "blue-2", "h2", "blue", "bluesvc");
            Lab.awaitAllRunning(client, 11);
            for (Machine m : fixture.runningMachines()) {
                machines.put(m.getName(), m);
            }
        }
    }

    private static void create(FleetClient client, String name, String host, String network, String app) {
        client.machines().createMachine(CreateMachineRequest.newBuilder().setName(name).setHost(host).setNetwork(network)
                .setApp(app).addPorts(8080).build());
    }

    @AfterAll
    static void stopLab() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        if (upstream != null) {
            upstream.destroyForcibly();
        }
        if (fixture != null) {
            fixture.close();
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String ns(String machine) {
        return machines.get(machine).getNetns();
    }

    private static String addr(String machine) {
        return machines.get(machine).getAddress();
    }

    private static Probes.Listener tcp(String machine, int port) throws Exception {
        Probes.Listener l = Probes.Listener.tcp(ns(machine), port, dir);
        cleanup.add(l);
        return l;
    }

    private static Probes.Listener udp(String machine, int port) throws Exception {
        Probes.Listener l = Probes.Listener.udp(ns(machine), port, dir);
        cleanup.add(l);
        return l;
    }

    @Test
    @Order(1)
    void networksNeverExchangeAPacketOnOneHostOrAcrossHostsInEitherDirection() throws Exception {
        // demo-1a, demo-1b on h1 and demo-2a on h2 are network default; blue-1 on h1 and blue-2 on h2 are network blue.
        List<String[]> denied = List.of(new String[] {"blue-1", "demo-1b"}, new String[] {"blue-1", "demo-2a"},
                new String[] {"demo-1a", "blue-1"}, new String[] {"demo-1a", "blue-2"});
        List<String[]> allowed = List.of(new String[] {"demo-1a", "demo-1b"}, new String[] {"demo-1a", "demo-2a"},
                new String[] {"blue-2", "blue-1"}, new String[] {"blue-1", "blue-2"});
        Map<String, Probes.Listener> tcp = new HashMap<>();
        Map<String, Probes.Listener> udp = new HashMap<>();
        for (String target : List.of("demo-1b", "demo-2a", "blue-1", "blue-2")) {
            tcp.put(target, tcp(target, 9000));
            udp.put(target, udp(target, 9001));
        }
        for (String[] pair : denied) {
            assertThat(Shell.ping(ns(pair[0]), addr(pair[1]))).as("ping " + pair[0] + " -> " + pair[1]).isFalse();
            assertThat(Probes.tcp(ns(pair[0]), addr(pair[1]), 9000, "denied-from-" + pair[0], null).ok())
                    .as("TCP connect " + pair[0] + " -> " + pair[1]).isFalse();
            Probes.udp(ns(pair[0]), addr(pair[1]), 9001, "denied-from-" + pair[0], null);
        }
        for (String[] pair : allowed) {
            Deadline.await("ping " + pair[0] + " -> " + pair[1], Duration.ofSeconds(10), () -> Shell.ping(ns(pair[0]), addr(pair[1])));
            assertThat(Probes.tcp(ns(pair[0]), addr(pair[1]), 9000, "allowed-from-" + pair[0], null).ok()).isTrue();
            Probes.udp(ns(pair[0]), addr(pair[1]), 9001, "allowed-from-" + pair[0], null);
            tcp.get(pair[1]).awaitReceived("allowed-from-" + pair[0]);
            udp.get(pair[1]).awaitReceived("allowed-from-" + pair[0]);
        }
        for (String target : tcp.keySet()) {
            assertThat(tcp.get(target).received()).as("TCP bytes that reached " + target).doesNotContain("denied");
            assertThat(udp.get(target).received()).as("UDP datagrams that reached " + target).doesNotContain("denied");
        }
    }

    @Test
    @Order(2)
    void aMachineSendsOnlyFromItsOwnAddress() throws Exception {
        // Forged sources on demo-1a: blue's prefix (would pass "same network" towards blue-1) and demo-2a's own address.
        String forgedBlue = "fdaa:0:2:0:1:0:99:0";
        String forgedPeer = addr("demo-2a");
        for (String forged : List.of(forgedBlue, forgedPeer)) {
            Shell.inNamespace(ns("demo-1a"), "ip", "addr", "add", forged + "/128", "dev", "eth0", "nodad");
        }
        try {
            Probes.Listener blue = udp("blue-1", 9101);
            Probes.Listener demo = udp("demo-1b", 9101);
            Probes.Listener demoTcp = tcp("demo-1b", 9102);
            Probes.udp(ns("demo-1a"), addr("blue-1"), 9101, "forged-blue", forgedBlue);
            Probes.udp(ns("demo-1a"), addr("demo-1b"), 9101, "forged-peer", forgedPeer);
            assertThat(Probes.tcp(ns("demo-1a"), addr("demo-1b"), 9102, "forged-peer-tcp", forgedPeer).ok()).isFalse();
            assertThat(Shell.inNamespace(ns("demo-1a"), "ping", "-6", "-n", "-c", "1", "-W", "1", "-I", forgedPeer, addr("demo-1b")).ok())
                    .as("ping from a forged source").isFalse();
            // the same sends from the machine's real address arrive
            Probes.udp(ns("demo-1a"), addr("demo-1b"), 9101, "real-source", addr("demo-1a"));
            assertThat(Probes.tcp(ns("demo-1a"), addr("demo-1b"), 9102, "real-source-tcp", addr("demo-1a")).ok()).isTrue();
            demo.awaitReceived("real-source");
            demoTcp.awaitReceived("real-source-tcp");
            Probes.udp(ns("blue-2"), addr("blue-1"), 9101, "from-blue-2", null);
            blue.awaitReceived("from-blue-2");
            assertThat(demo.received()).doesNotContain("forged");
            assertThat(demoTcp.received()).doesNotContain("forged");
            assertThat(blue.received()).doesNotContain("forged");
        } finally {
            for (String forged : List.of(forgedBlue, forgedPeer)) {
                Shell.inNamespace(ns("demo-1a"), "ip", "addr", "del", forged + "/128", "dev", "eth0");
            }
        }
    }

    @Test
    @Order(3)
    void aMachineReachesOfItsHostOnlyTheGatewayAndDnsAndOtherHostsOnlyItsExposedPorts() throws Exception {
        LabLayout layout = fixture.lab.layout();
        String host1 = layout.hostNamespace(1);
        Probes.Listener onHost = Probes.Listener.tcp(host1, 9100, dir);
        cleanup.add(onHost);
        String infra1;
        String infra2;
        try (FleetClient client = fixture.client()) { // host numbers are given in join order, not by name
            infra1 = client.hosts().getHost(dev.fleetnet.proto.v1.GetHostRequest.newBuilder().setName("h1").build()).getInfraAddress();
            infra2 = client.hosts().getHost(dev.fleetnet.proto.v1.GetHostRequest.newBuilder().setName("h2").build()).getInfraAddress();
        }
        for (String target : List.of(infra1, layout.hostUnderlayAddress(1), layout.hostUnderlayAddress(2), infra2)) {
            assertThat(Probes.tcp(ns("demo-1a"), target, 9100, "machine-to-" + target.replace(':', '_'), null).ok())
                    .as("demo-1a -> host address " + target + ":9100").isFalse();
        }
        assertThat(Probes.tcp(ns("demo-1a"), "fe80::1%eth0", 9100, "machine-to-gateway", null).ok()).isFalse();
        assertThat(Shell.inNamespace(ns("demo-1a"), "curl", "-sS", "-m", "3", "-H", "Host: web-1.fleet.internal",
                "http://[" + infra1 + "]/").ok()).as("the host's ingress from a machine").isFalse();
        assertThat(Shell.ping(ns("demo-1a"), infra1)).as("ping the host's infrastructure address").isFalse();
        assertThat(Shell.inNamespace(ns("demo-1a"), "ping", "-6", "-n", "-c", "1", "-W", "2", "fe80::1%eth0").ok())
                .as("ping the gateway").isTrue();
        Probes.tcp(layout.underlayNamespace(), layout.hostUnderlayAddress(1), 9100, "from-the-underlay", null);
        onHost.awaitReceived("from-the-underlay");
        assertThat(onHost.received()).doesNotContain("machine-to");

        // Another host's infrastructure address reaches web-1 (on h1) on its exposed port 8080 only.
        Process server = MachineServerLauncher.start(fixture.client(), "web-1", dir.resolve("web-1.log"));
        cleanup.add(server::destroyForcibly);
        Probes.Listener unexposed = tcp("web-1", 9000);
        String host2 = layout.hostNamespace(2);
        assertThat(Probes.tcp(host2, addr("web-1"), 9000, "host2-unexposed", null).ok()).isFalse();
        Shell.Result exposed = Shell.inNamespace(host2, "curl", "-sS", "-m", "5", "http://[" + addr("web-1") + "]:8080/");
        assertThat(exposed.output()).startsWith("hello from web-1");
        Probes.tcp(ns("demo-1a"), addr("web-1"), 9000, "same-network-control", null);
        unexposed.awaitReceived("same-network-control");
        assertThat(unexposed.received()).doesNotContain("host2-unexposed");
        // "the internet" routing straight at a machine through its host gets nothing in
        String ul = layout.underlayNamespace();
        Shell.inNamespace(ul, "ip", "-6", "route", "add", addr("web-1") + "/128", "via", layout.hostUnderlayAddress(1));
        try {
            assertThat(Probes.tcp(ul, addr("web-1"), 9000, "underlay-direct", null).ok()).isFalse();
            Probes.udp(ul, addr("web-1"), 9000, "underlay-direct-udp", null);
        } finally {
            Shell.inNamespace(ul, "ip", "-6", "route", "del", addr("web-1") + "/128");
        }
        Probes.tcp(ns("demo-1a"), addr("web-1"), 9000, "same-network-control-2", null);
        unexposed.awaitReceived("same-network-control-2");
        assertThat(unexposed.received()).doesNotContain("underlay-direct");
        // and ingress through host 2 still reaches it
        Shell.Result viaIngress = Shell.inNamespace(layout.underlayNamespace(), "curl", "-sS", "-m", "5", "-H",
                "Host: web-1.fleet.internal", "http://[" + layout.hostUnderlayAddress(2) + "]/");
        assertThat(viaIngress.output()).startsWith("hello from web-1");
    }

    private static String dig(String machine, String... query) {
        List<String> command = new ArrayList<>(List.of("dig", "@fdaa::3", "+time=2", "+tries=1"));
        command.addAll(List.of(query));
        return Shell.inNamespace(ns(machine), command.toArray(String[]::new)).output();
    }

    private static String digShort(String machine, String... query) {
        List<String> q = new ArrayList<>(List.of("+short"));
        q.addAll(List.of(query));
        return dig(machine, q.toArray(String[]::new)).trim();
    }

    @Test
    @Order(4)
    void internalDnsAnswersEveryNameFormForTheCallersNetworkOnly() {
        assertThat(digShort("demo-1a", "web-2.internal", "AAAA")).isEqualTo(addr("web-2"));
        assertThat(digShort("demo-2a", "+tcp", "web-1.internal", "AAAA")).isEqualTo(addr("web-1"));
        assertThat(digShort("demo-1a", "web.internal", "AAAA").lines().sorted().toList())
                .containsExactlyInAnyOrder(addr("web-1"), addr("web-2"), addr("web-3"));
        assertThat(digShort("demo-1a", "top1.nearest.of.web.internal", "AAAA")).isEqualTo(addr("web-1"));
        assertThat(digShort("demo-2a", "top1.nearest.of.web.internal", "AAAA")).isEqualTo(addr("web-2"));
        assertThat(digShort("demo-2a", "top2.nearest.of.web.internal", "AAAA").lines().toList()).hasSize(2).contains(addr("web-2"));
        assertThat(digShort("demo-1a", "_apps.internal", "TXT")).contains("web").doesNotContain("bluesvc");
        assertThat(digShort("blue-1", "_apps.internal", "TXT")).contains("bluesvc").doesNotContain("web");
        assertThat(digShort("demo-1a", "vms.web.internal", "TXT")).contains("web-1", "web-2", "web-3");
        assertThat(digShort("demo-1a", "_instances.internal", "TXT"))
                .contains("instance=web-2", "ip=" + addr("web-2"), "host=h2").doesNotContain("blue-1");

        assertThat(dig("blue-1", "web-1.internal", "AAAA")).contains("status: NXDOMAIN");
        assertThat(dig("demo-1a", "blue-1.internal", "AAAA")).contains("status: NXDOMAIN");
        assertThat(dig("demo-1a", "web-1.internal", "TXT")).contains("status: NOERROR").contains("ANSWER: 0").contains("SOA");
        assertThat(dig("demo-1a", "nobody.internal", "AAAA")).contains("status: NXDOMAIN").contains("SOA");
        assertThat(digShort("demo-3a", "www.example.test", "AAAA")).as("other zones go to the upstream").isEqualTo("fd00::99");
        assertThat(digShort("demo-1a", "-x", addr("web-2"))).isEqualTo("web-2.internal.");
        assertThat(dig("blue-1", "-x", addr("web-2"))).as("reverse of another network's machine, never sent upstream")
                .contains("status: NXDOMAIN");
    }

    @Test
    @Order(5)
    void aStoppedMachineDisappearsFromDnsAtOnceAndComesBack() {
        try (FleetClient client = fixture.client()) {
            client.machines().stopMachine(StopMachineRequest.newBuilder().setName("web-3").build());
            // stop returns once the owning host applied it; other hosts follow on their own view
            Deadline.await("web-3 to leave DNS on h1", Duration.ofSeconds(10),
                    () -> dig("demo-1a", "web-3.internal", "AAAA").contains("status: NXDOMAIN"));
            assertThat(digShort("demo-1a", "web.internal", "AAAA").lines().toList()).hasSize(2).doesNotContain(addr("web-3"));
            client.machines().startMachine(StartMachineRequest.newBuilder().setName("web-3").build());
            Deadline.await("web-3 back in DNS on h2", Duration.ofSeconds(10),
                    () -> digShort("demo-2a", "web-3.internal", "AAAA").equals(addr("web-3")));
        }
    }

    @Test
    @Order(6)
    void aNewListeningPortIsDiscoveredAndOnlyThenGetsAppTraffic() throws Exception {
        try (FleetClient client = fixture.client()) {
            Deadline.await("web-1's listening ports (its server runs since order 3)", Duration.ofSeconds(10), () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("web-1").build()).getListeningPortsList().contains(8080));
            assertThat(client.machines().getMachine(GetMachineRequest.newBuilder().setName("web-2").build()).getListeningPortsList())
                    .doesNotContain(8080);
            LabLayout layout = fixture.lab.layout();
            for (int i = 0; i < 10; i++) {
                assertThat(Shell.inNamespace(layout.underlayNamespace(), "curl", "-sS", "-m", "5", "-H", "Host: web.fleet.internal",
                        "http://[" + layout.hostUnderlayAddress(3) + "]/").output()).as("the app sends only to listening machines")
                        .startsWith("hello from web-1");
            }
            Process server = MachineServerLauncher.start(client, "web-2", dir.resolve("web-2.log"));
            cleanup.add(server::destroyForcibly);
            // the server binds 8080 then 8081: wait for both, so the CLI checks below see a settled machine
            Deadline.await("web-2's ports 8080 and 8081 to be discovered", Duration.ofSeconds(10), () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("web-2").build()).getListeningPortsList()
                    .containsAll(List.of(8080, 8081)));
            Deadline.await("the app to send to web-2 too", Duration.ofSeconds(15), () -> Shell.inNamespace(layout.underlayNamespace(),
                    "curl", "-sS", "-m", "5", "-H", "Host: web.fleet.internal", "http://[" + layout.hostUnderlayAddress(3) + "]/")
                    .output().startsWith("hello from web-2"));

            // what a user sees: the CLI's machine get (table and JSON) and who-owns
            assertThat(cli("machine", "get", "web-2")).contains("ports:    8080 exposed; listening: 8080, 8081");
            assertThat(cli("--json", "machine", "get", "web-3")).contains("\"listening_ports\": []");
            assertThat(cli("--json", "machine", "get", "web-2").replaceAll("\\s+", "")).contains("\"listening_ports\":[8080,8081]");
            assertThat(cli("route", "who-owns", "web-2-8080.fleet.internal")).contains("web-2").contains("port 8080 listening");
            assertThat(cli("route", "who-owns", "web-3-8080.fleet.internal")).contains("port 8080 not listening");
        }
    }

    /** Runs the fleetnet CLI against the lab's controller and returns what it printed; fails on a non-zero exit. */
    private static String cli(String... args) {
        LabFixture.CliResult r = fixture.cli(args);
        assertThat(r.code()).as("fleetnet " + String.join(" ", args) + ": " + r.err()).isZero();
        return r.out();
    }

    @Test
    @Order(7)
    void fiftyMachinesComingAndGoingChangeOnlySetElementsAndALongPingLosesNothing() throws Exception {
        String host1 = fixture.lab.layout().hostNamespace(1);
        String rulesBefore = Shell.inNamespace(host1, "nft", "-a", "list", "chain", "inet", "fleetnet", "forward").output()
                + Shell.inNamespace(host1, "nft", "-a", "list", "chain", "inet", "fleetnet", "spoof").output();
        assertThat(rulesBefore).contains("@same_network");
        Process ping = new ProcessBuilder("ip", "netns", "exec", ns("demo-1a"), "ping", "-6", "-n", "-i", "0.05", addr("demo-2a"))
                .redirectErrorStream(true).start();
        try (FleetClient client = fixture.client()) {
            List<String> churn = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String name = "churn-" + i;
                churn.add(name);
                client.machines().createMachine(CreateMachineRequest.newBuilder().setName(name).setHost("h" + (1 + i % 2))
                        .setNetwork(i % 3 == 0 ? "blue" : "default").addPorts(8080).build());
            }
            Lab.awaitAllRunning(client, 61);
            for (String name : churn) {
                client.machines().deleteMachine(dev.fleetnet.proto.v1.DeleteMachineRequest.newBuilder().setName(name).build());
            }
            Deadline.await("the churn machines to be gone from h1", Duration.ofSeconds(60), () -> fixture.net.namespaces().stream()
                    .noneMatch(n -> n.contains("churn")));
        } finally {
            Shell.run(List.of("kill", "-INT", Long.toString(ping.pid())));
            ping.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        String summary = new String(ping.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(summary);
        assertThat(m.find()).as("ping summary: " + summary.lines().toList().getLast()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as("echo requests sent during the churn").isGreaterThan(50);
        // ping stops at SIGINT without waiting for the request it sent last (< 50 ms before): that one may be in
        // flight, not lost. Every earlier sequence number must have its reply.
        int transmitted = Integer.parseInt(m.group(1));
        java.util.Set<Integer> replied = new java.util.HashSet<>();
        java.util.regex.Matcher seq = java.util.regex.Pattern.compile("icmp_seq=(\\d+) ").matcher(summary);
        while (seq.find()) {
            replied.add(Integer.parseInt(seq.group(1)));
        }
        List<Integer> lost = java.util.stream.IntStream.range(1, transmitted).filter(i -> !replied.contains(i)).boxed().toList();
        assertThat(lost).as("echo requests without a reply (of " + transmitted + ", the last one excepted)").isEmpty();
        String rulesAfter = Shell.inNamespace(host1, "nft", "-a", "list", "chain", "inet", "fleetnet", "forward").output()
                + Shell.inNamespace(host1, "nft", "-a", "list", "chain", "inet", "fleetnet", "spoof").output();
        assertThat(rulesAfter).as("the static chains, rule handles included").isEqualTo(rulesBefore);
    }

    @Test
    @Order(8)
    void driftInTheFilterIsRepairedByThePeriodicCheckWhichSaysWhatItRepaired() throws Exception {
        String host1 = fixture.lab.layout().hostNamespace(1);
        String link = machines.get("demo-1a").getLink();
        Shell.Result tampered = Shell.inNamespace(host1, "nft", "delete", "element", "inet", "fleetnet", "guest_sources",
                "{ \"" + link + "\" . " + addr("demo-1a") + " }");
        assertThat(tampered.ok()).as(tampered.output()).isTrue();
        assertThat(Shell.ping(ns("demo-1a"), addr("demo-1b"))).as("demo-1a without its element sends nothing").isFalse();
        // the lab's agents check every 10 s
        Deadline.await("the periodic check to restore demo-1a's element", Duration.ofSeconds(30),
                () -> Shell.ping(ns("demo-1a"), addr("demo-1b")));
        String log = Files.readString(fixture.lab.config().dir().resolve("agent-h1.log"));
        assertThat(log).contains("policy repaired").contains(link);
    }

    @Test
    @Order(9)
    void aTapMachineSendsOnlyFromItsOwnAddressToo() throws Exception {
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("vm-1").setHost("h1")
                    .setBackend(dev.fleetnet.proto.v1.Backend.BACKEND_TAP).addPorts(8080).build());
            Deadline.await("vm-1's TAP link", Duration.ofSeconds(15), () -> client.machines()
                    .getMachine(GetMachineRequest.newBuilder().setName("vm-1").build()).getState() == dev.fleetnet.proto.v1.MachineState.MACHINE_STATE_RUNNING);
            Machine vm = client.machines().getMachine(GetMachineRequest.newBuilder().setName("vm-1").build());
            Probes.Listener listener = udp("demo-1b", 9301);
            String script = Path.of(PrivateNetworkIT.class.getResource("/tap_send.py").toURI()).toString();
            String host1 = fixture.lab.layout().hostNamespace(1);
            // A VM on the TAP sends from a forged address (demo-2a's) and from its own, until its own arrives.
            Deadline.await("vm-1's datagram from its own address", Duration.ofSeconds(15), () -> {
                Shell.Result sent = Shell.inNamespace(host1, "python3", script, vm.getLink(), addr("demo-1b"), "9301", "tap",
                        addr("demo-2a"), vm.getAddress());
                assertThat(sent.ok()).as(sent.output()).isTrue();
                return listener.received().contains("tap-1");
            }, listener::received);
            assertThat(listener.received()).as("what reached demo-1b from the TAP").doesNotContain("tap-0");
        }
    }
}

package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.lab.MeshCheck;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A real lab for a test class, the same shape as {@code ./fleetnet lab up}: etcd, a controller
 * and agents as separate processes, with a random prefix so parallel runs never collide,
 * and a teardown that proves nothing of it remains.
 */
final class LabFixture implements AutoCloseable {
    final LinuxNetworking net = IpRouteNetworking.inOwnNamespace();
    final Lab lab;
    final String prefix;

    private LabFixture(Lab lab, String prefix) {
        this.lab = lab;
        this.prefix = prefix;
    }

    static LabFixture start(int hosts) throws IOException {
        return start(hosts, "30s");
    }

    static LabFixture start(int hosts, String ingressUpstreamTimeout) throws IOException {
        return start(hosts, ingressUpstreamTimeout, List.of());
    }

    /** A lab whose hosts' DNS forwards other zones to {@code dnsUpstreams} ({@code [addr]:port}). */
    static LabFixture start(int hosts, String ingressUpstreamTimeout, List<String> dnsUpstreams) throws IOException {
        return start(newPrefix(), hosts, ingressUpstreamTimeout, dnsUpstreams, List.of());
    }

    /** A prefix for {@link #start(String, int, String, List, List)}, for tests that name their own things after the lab. */
    static String newPrefix() {
        return newPrefix("e");
    }

    /** {@code start} and four random letters: a test's own labs are told apart from others' at a glance. */
    static String newPrefix(String start) {
        return start + randomLetters(4);
    }

    /** A lab with this prefix whose controller also gets {@code controllerArgs} (e.g. {@code --acme-directory URL}). */
    static LabFixture start(String prefix, int hosts, String ingressUpstreamTimeout, List<String> dnsUpstreams,
            List<String> controllerArgs) throws IOException {
        Path dir = Files.createTempDirectory("fleetnet-e2e-" + prefix);
        Path home = Path.of(System.getProperty("fleetnet.home", "..")).toAbsolutePath().normalize();
        Lab lab = Lab.up(new LabConfig(dir, home, prefix, hosts, true, ingressUpstreamTimeout, dnsUpstreams, controllerArgs),
                IpRouteNetworking.inOwnNamespace());
        return new LabFixture(lab, prefix);
    }

    /** A client of the lab's API over TLS (its API CA) with its admin token. */
    FleetClient client() {
        return lab.client();
    }

    /**
     * The environment an in-process {@code FleetnetCli.run} needs for this lab: its CA and admin token
     * file (never the token itself), and a config file that does not exist, so no user context is read.
     */
    java.util.Map<String, String> cliEnv() {
        return java.util.Map.of("FLEETNET_CA", lab.apiCaFile().toString(), "FLEETNET_TOKEN_FILE", lab.adminTokenFile().toString(),
                "FLEETNET_CONFIG", lab.config().dir().resolve("no-cli-config.yaml").toString());
    }

    /** Where host {@code host}'s agent keeps its key and its saved view ({@code view.pb}). */
    Path agentStateDir(int host) {
        return lab.config().dir().resolve("agent-" + lab.layout().hostName(host));
    }

    /** Host {@code host}'s agent log; every start of the agent appends to it. */
    Path agentLog(int host) {
        return lab.config().dir().resolve("agent-" + lab.layout().hostName(host) + ".log");
    }

    /** What one {@code fleetnet} command printed, and its exit code. */
    record CliResult(int code, String out, String err) {}

    /** Runs {@code fleetnet ARGS...} in-process against the lab's controller, with its CA and admin token. */
    CliResult cli(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        List<String> all = new ArrayList<>(List.of("--controller", lab.state().apiAddress()));
        all.addAll(List.of(args));
        int code = dev.fleetnet.cli.FleetnetCli.run(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true), cliEnv());
        return new CliResult(code, out.toString(), err.toString());
    }

    List<Machine> runningMachines() {
        try (FleetClient client = client()) {
            return client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList().stream()
                    .filter(m -> m.getState() == MachineState.MACHINE_STATE_RUNNING).toList();
        }
    }

    /** Every ordered pair pings until it answers, all within {@code deadline}; returns the pairs that never answered. */
    List<String> failingPairs(List<Machine> machines, Duration deadline) {
        return new MeshCheck(machines, MeshCheck::ping).within(deadline);
    }

    /** Tears the lab down, then checks that no namespace, socket or process of it is left. */
    @Override
    public void close() {
        lab.down();
        assertThat(net.namespaces()).noneMatch(ns -> ns.startsWith(prefix + "-"));
        Shell.Result leftovers = Shell.run(List.of("pgrep", "-a", "-f", prefix + "wg|" + prefix + "-|fleetnet-e2e-" + prefix));
        assertThat(leftovers.output()).as("processes left behind").isBlank();
        assertThat(Path.of("/var/run/wireguard/" + prefix + "wg1.sock")).doesNotExist();
    }

    private static String randomLetters(int n) {
        Random random = new Random();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }
}

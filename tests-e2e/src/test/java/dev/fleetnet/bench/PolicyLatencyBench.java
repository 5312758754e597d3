package dev.fleetnet.bench;

import dev.fleetnet.agent.host.MachineNames;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * On a real 3-host lab: from {@code machine create} (a machine on host 2) to its host-side link
 * existing, and to its address being in the host's nftables {@code guest_sources} set (the
 * moment the machine may send). The agent adds the elements first, so the machine can send as
 * soon as its link is up: the link is the peer the filter is measured against, both polled the
 * same way, one {@code ip}/{@code nft} process per probe.
 */
public final class PolicyLatencyBench {
    private PolicyLatencyBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path home = Path.of(System.getProperty("fleetnet.home", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("fleetnet-bench-policy-");
        String prefix = "bp" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        try (Lab lab = Lab.up(new LabConfig(dir, home, prefix, 3, false), IpRouteNetworking.inOwnNamespace());
                FleetClient client = lab.client()) {
            String host2 = lab.layout().hostNamespace(2);
            List<Double> link = new ArrayList<>();
            List<Double> rules = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "p" + i;
                String linkName = MachineNames.link(name);
                long start = System.nanoTime();
                client.machines().createMachine(CreateMachineRequest.newBuilder().setName(name).setHost("h2").addPorts(8080).build());
                boolean linkSeen = false;
                boolean rulesSeen = false;
                long deadline = start + 30_000_000_000L;
                while (!(linkSeen && rulesSeen) && System.nanoTime() < deadline) {
                    if (!linkSeen && exitsZero("ip", "-n", host2, "link", "show", "dev", linkName)) { // a missing link's error names it too
                        link.add((System.nanoTime() - start) / 1e6);
                        linkSeen = true;
                    }
                    if (!rulesSeen && run("ip", "netns", "exec", host2, "nft", "list", "set", "inet", "fleetnet", "guest_sources")
                            .contains(linkName)) {
                        rules.add((System.nanoTime() - start) / 1e6);
                        rulesSeen = true;
                    }
                }
                client.machines().deleteMachine(DeleteMachineRequest.newBuilder().setName(name).build());
            }
            Percentiles l = Percentiles.of(link);
            Percentiles r = Percentiles.of(rules);
            System.out.println("machine create -> host-side link exists (peer): " + l.summary("ms"));
            System.out.println("machine create -> its filter elements in place: " + r.summary("ms"));
            System.out.printf("ratio rules-in-place/link-exists median: %.2f%n", r.median() / l.median());
        }
    }

    private static boolean exitsZero(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}

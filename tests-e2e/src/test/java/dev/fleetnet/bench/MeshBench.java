package dev.fleetnet.bench;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.Machine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time from {@code machine create} to the new machine answering ping from a machine on
 * another host, over a real 3-host lab. Run by {@code bench/mesh}.
 */
public final class MeshBench {
    private MeshBench() {}

    public static void main(String[] args) throws Exception {
        int machines = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Path home = Path.of(System.getProperty("fleetnet.home", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("fleetnet-bench-");
        String prefix = "bm" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        try (Lab lab = Lab.up(new LabConfig(dir, home, prefix, 3, false), IpRouteNetworking.inOwnNamespace());
                FleetClient client = lab.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("probe").setHost("h1").build());
            Lab.awaitAllRunning(client, 1);
            String probe = client.machines().getMachine(
                    dev.fleetnet.proto.v1.GetMachineRequest.newBuilder().setName("probe").build()).getNetns();
            List<Double> createToPing = new ArrayList<>();
            for (int i = 1; i <= machines; i++) {
                String host = i % 2 == 0 ? "h2" : "h3";
                long start = System.nanoTime();
                Machine m = client.machines().createMachine(
                        CreateMachineRequest.newBuilder().setName("b" + i).setHost(host).build());
                if (!pingUntilAnswered(probe, m.getAddress())) {
                    throw new IllegalStateException("machine b" + i + " (" + m.getAddress() + " on " + host
                            + ") never answered ping from h1 within 30s");
                }
                createToPing.add((System.nanoTime() - start) / 1e6);
            }
            System.out.println("machine create -> answers ping from another host: "
                    + Percentiles.of(createToPing).summary("ms"));
        }
    }

    /** One ping process that sends every 10 ms and exits at the first reply (or after 30 s). */
    private static boolean pingUntilAnswered(String namespace, String address) throws Exception {
        Process ping = new ProcessBuilder("ip", "netns", "exec", namespace,
                "ping", "-6", "-n", "-q", "-c", "1", "-i", "0.01", "-w", "30", address)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return ping.waitFor(35, TimeUnit.SECONDS) && ping.exitValue() == 0;
    }
}

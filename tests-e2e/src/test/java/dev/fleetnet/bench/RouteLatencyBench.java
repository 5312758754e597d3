package dev.fleetnet.bench;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.e2e.MachineServerLauncher;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.NamespaceRunner;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Route update latency on a real 3-host lab: from the API call that adds a route (machine on
 * host 3) to the first 200 through host 1's ingress, and from its deletion to the first 404.
 * Probes are raw HTTP requests made from the lab's underlay namespace.
 */
public final class RouteLatencyBench {
    private RouteLatencyBench() {}

    public static void main(String[] args) throws Exception {
        int routes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path home = Path.of(System.getProperty("fleetnet.home", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("fleetnet-bench-routes-");
        String prefix = "br" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        AtomicReference<Process> server = new AtomicReference<>();
        LabConfig config = new LabConfig(dir, home, prefix, 3, false);
        Teardown teardown = new Teardown(config, server);
        // Interrupted (Ctrl-C, kill), even while the lab is being built: the machine's server and
        // whatever of the lab exists by then (its recorded processes, its namespaces) go too.
        Thread cleanup = new Thread(teardown::interrupted, "route-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            run(Lab.up(config, IpRouteNetworking.inOwnNamespace()), server, dir, routes);
        } catch (Exception e) {
            if (!teardown.wasInterrupted()) {
                throw e;
            } // else what failed was the lab going away under the run: nothing to report
        } finally {
            teardown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting: the hook waits for the teardown above, then has nothing to do
            }
        }
    }

    private static void run(Lab lab, AtomicReference<Process> server, Path dir, int routes) throws Exception {
        try (FleetClient client = lab.client(); NamespaceRunner runner = new NamespaceRunner()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h3").addPorts(8080).build());
            Lab.awaitAllRunning(client, 1);
            server.set(MachineServerLauncher.start(client, "web", dir.resolve("web.log")));
            InetSocketAddress ingress = new InetSocketAddress(lab.layout().hostUnderlayAddress(1), LabConfig.INGRESS_PORT);
            String ul = lab.layout().underlayNamespace();
            List<Double> add = new ArrayList<>();
            List<Double> remove = new ArrayList<>();
            for (int i = 0; i < routes; i++) {
                String hostname = "r" + i + ".bench.test";
                long start = System.nanoTime();
                client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname(hostname)
                        .setMachine("web").setPort(8080)).build());
                runner.call(ul, () -> awaitStatus(ingress, hostname, 200));
                add.add((System.nanoTime() - start) / 1e6);
                start = System.nanoTime();
                client.routes().deleteRoute(DeleteRouteRequest.newBuilder().setHostname(hostname).build());
                runner.call(ul, () -> awaitStatus(ingress, hostname, 404));
                remove.add((System.nanoTime() - start) / 1e6);
            }
            System.out.println("route add -> first 200 through another host's ingress: " + Percentiles.of(add).summary("ms"));
            System.out.println("route delete -> first 404 through another host's ingress: " + Percentiles.of(remove).summary("ms"));
        }
    }

    /** Stops the machine's server and takes the lab down, once, whether the run ends or is interrupted. */
    private static final class Teardown {
        private final LabConfig config;
        private final AtomicReference<Process> server;
        private boolean done;
        private volatile boolean interrupted;

        Teardown(LabConfig config, AtomicReference<Process> server) {
            this.config = config;
            this.server = server;
        }

        /** From the shutdown hook: the run was interrupted. */
        void interrupted() {
            interrupted = true;
            System.err.println("route bench: interrupted; taking the lab in " + config.dir() + " down");
            run();
        }

        boolean wasInterrupted() {
            return interrupted;
        }

        /** The first caller tears down; another waits for it to finish (a shutdown hook must not let the JVM halt mid-way). */
        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            Process p = server.get();
            if (p != null) {
                p.destroyForcibly();
            }
            // Interrupted while Lab.up runs, the lab's own clean-up of a failed start runs beside
            // this one and they can trip over each other's removals: go again until nothing is left.
            IpRouteNetworking net = IpRouteNetworking.inOwnNamespace();
            long deadline = System.nanoTime() + 30_000_000_000L;
            Exception last = null;
            boolean clean = false;
            while (!clean && System.nanoTime() < deadline) {
                try {
                    clean = Lab.removeLeftovers(config, net);
                    last = null;
                } catch (IOException | RuntimeException e) {
                    last = e;
                }
            }
            if (!clean) {
                System.err.println("route bench: could not take the lab in " + config.dir() + " down (" + last
                        + "); `./fleetnet lab down --prefix " + config.prefix() + "` removes the namespaces left behind");
            }
        }
    }

    /** Polls with one request per fresh connection until the wanted status (30 s at most). */
    private static Void awaitStatus(InetSocketAddress ingress, String host, int wanted) throws IOException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(ingress, 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] head = s.getInputStream().readNBytes(12);
                if (new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 " + wanted)) {
                    return null;
                }
            }
        }
        throw new IOException("no " + wanted + " for " + host + " within 30s");
    }
}

package dev.fleetnet.lab;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.fleetnet.core.DurableFiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-host fleetnet lab on one machine: an underlay bridge in its own namespace, one
 * namespace per host running a real agent (with wireguard-go), a controller and etcd as
 * separate processes. {@code ./fleetnet lab up} and the end-to-end fixture both use it.
 */
public final class Lab implements AutoCloseable {
    /** The agents' admin listener (GET /metrics, /health), on each host namespace's loopback. */
    public static final int ADMIN_PORT = 9180;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private final LabConfig config;
    private final LinuxNetworking net;
    private final LabLayout layout;
    private volatile LabState state;

    private Lab(LabConfig config, LinuxNetworking net, LabState state) {
        this.config = config;
        this.net = net;
        this.layout = state.layout();
        this.state = state;
    }

    /** Builds and starts a whole lab; on any failure removes what it made and rethrows. */
    public static Lab up(LabConfig config, LinuxNetworking net) throws IOException {
        LabState existing = LabState.load(config.dir());
        if (existing != null && existing.pids().values().stream().anyMatch(Processes::alive)) {
            throw new IllegalStateException("a lab is already running from " + config.dir() + " (prefix '"
                    + existing.prefix() + "', API " + existing.apiAddress() + "); run `./fleetnet lab down` first");
        }
        Files.createDirectories(config.dir());
        LabState initial = new LabState(config.prefix(), config.hosts(), "127.0.0.1:" + Processes.freeLoopbackPort(),
                "http://127.0.0.1:" + Processes.freeLoopbackPort(), java.util.Map.of(), "127.0.0.1:" + Processes.freeLoopbackPort());
        initial.save(config.dir());
        Lab lab = new Lab(config, net, initial);
        try {
            lab.buildUnderlay();
            lab.startEtcd();
            lab.startController();
            for (int host = 1; host <= config.hosts(); host++) {
                lab.startAgent(host);
            }
            lab.awaitHostsConnected();
            if (config.demoMachines()) {
                lab.createDemoMachines();
            }
            return lab;
        } catch (RuntimeException | IOException e) {
            lab.stopAndRemoveNetworking(); // keeps the logs, which say why
            throw e;
        }
    }

    /** The lab recorded in {@code config.dir()}, or {@code null} when none is. */
    public static Lab attach(LabConfig config, LinuxNetworking net) throws IOException {
        LabState state = LabState.load(config.dir());
        return state == null ? null : new Lab(config, net, state);
    }

    public LabConfig config() {
        return config;
    }

    public LabLayout layout() {
        return layout;
    }

    public LabState state() {
        return state;
    }

    /** A client of the lab's API: TLS checked against the lab's API CA, the lab's admin token. */
    public FleetClient client() {
        return FleetClient.connect(endpoint());
    }

    /** The lab's API: its address, the CA its controller wrote and the admin token it created at its first start. */
    public ApiEndpoint endpoint() {
        return ApiEndpoint.of(state.apiAddress(), apiCaFile(), adminTokenFile());
    }

    /** The API CA certificate clients of this lab trust (written by its controller). */
    public Path apiCaFile() {
        return LabState.apiCaFile(config.dir());
    }

    /** The admin API token (owner-only), written by the lab's controller at its first start. */
    public Path adminTokenFile() {
        return LabState.adminTokenFile(config.dir());
    }

    public void startController() throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(Processes.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", Artifacts.classpath(config.home(), "controller"), "dev.fleetnet.controller.ControllerMain",
                "--listen", state.apiAddress(),
                "--agent-listen", "[" + layout.controllerUnderlayAddress() + "]:" + LabConfig.AGENT_PORT,
                "--agent-listen-netns", layout.underlayNamespace(),
                "--etcd-endpoints", state.etcdEndpoint(),
                "--data-dir", config.dir().resolve("controller").toString(),
                "--ingress-suffix", LabConfig.INGRESS_SUFFIX,
                "--rest-listen", state.restAddress() == null ? "none" : state.restAddress(),
                "--api-ca-file", apiCaFile().toString(), "--admin-token-file", adminTokenFile().toString()));
        command.addAll(config.controllerArgs());
        Process process = Processes.startDetached(command, config.dir().resolve("controller.log"));
        record("controller", process.pid());
        // the controller writes its CA and (at its first start) the admin token before it serves
        Deadline.await("the controller API on " + state.apiAddress(), START_TIMEOUT, () -> {
            requireAlive("controller", process);
            if (!Files.exists(apiCaFile()) || !Files.exists(adminTokenFile())) {
                return false;
            }
            try (FleetClient client = client()) {
                client.hosts().listHosts(ListHostsRequest.getDefaultInstance());
                return true;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    public void stopController() {
        stopRole("controller");
    }

    /**
     * Starts host {@code host}'s agent. Its install files come first: the host CA it checks the
     * controller with, and, while it has no certificate yet, a join token bound to its name (one
     * use, ten minutes), both owner-only files: no secret is ever on a command line.
     */
    public void startAgent(int host) throws IOException {
        String hostNamespace = layout.hostNamespace(host);
        Path stateDir = agentStateDir(host);
        List<String> identity = new ArrayList<>(List.of("--ca-file", caFile(host).toString()));
        if (!Files.exists(stateDir.resolve("host.crt"))) {
            try (FleetClient client = client()) {
                DurableFiles.write(caFile(host), client.hostIdentity().getHostCa(GetHostCaRequest.getDefaultInstance())
                        .getCertificatePem().getBytes(StandardCharsets.US_ASCII), DurableFiles.OWNER_ONLY);
                String token = client.hostIdentity().createJoinToken(CreateJoinTokenRequest.newBuilder()
                        .setHost(layout.hostName(host)).setTtlSeconds(600).setUses(1).build()).getToken();
                DurableFiles.write(tokenFile(host), (token + "\n").getBytes(StandardCharsets.US_ASCII), DurableFiles.OWNER_ONLY);
            }
            identity.addAll(List.of("--join-token-file", tokenFile(host).toString()));
        }
        List<String> command = new java.util.ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + hostNamespace,
                Processes.javaCommand()));
        command.addAll(JvmOptions.agent(config.home())); // the benches run the agent's servers with the same
        command.addAll(List.of("-cp", Artifacts.classpath(config.home(), "agent"), "dev.fleetnet.agent.AgentMain",
                "--host-name", layout.hostName(host),
                "--controller", "[" + layout.controllerUnderlayAddress() + "]:" + LabConfig.AGENT_PORT,
                "--endpoint", layout.hostEndpoint(host),
                "--listen-port", Integer.toString(LabLayout.WIREGUARD_PORT),
                "--mesh-interface", layout.meshInterface(host),
                "--netns-prefix", layout.machineNetnsPrefix(host),
                "--state-dir", stateDir.toString(),
                "--ingress-listen", "[::]:" + LabConfig.INGRESS_PORT, "--ingress-suffix", LabConfig.INGRESS_SUFFIX,
                "--ingress-tls-listen", "[::]:" + LabConfig.INGRESS_TLS_PORT,
                "--ssh-listen", "[::]:" + LabConfig.SSH_PORT,
                "--ingress-upstream-timeout", config.ingressUpstreamTimeout(),
                "--port-scan-interval", "1s", "--resync-interval", "10s",
                // each host namespace has its own loopback: the same admin port on every host
                "--admin-listen", "127.0.0.1:" + ADMIN_PORT, "--access-log", accessLog(host).toString(), "--stats-interval", "2s"));
        for (String upstream : config.dnsUpstreams()) {
            command.addAll(List.of("--dns-upstream", upstream));
        }
        command.addAll(identity);
        Process process = Processes.startDetached(command, config.dir().resolve("agent-" + layout.hostName(host) + ".log"));
        record(agentRole(host), process.pid());
    }

    /** The classpath of a built module ({@code agent}, {@code controller}), for a process a test starts beside the lab. */
    public String classpath(String module) {
        return Artifacts.classpath(config.home(), module);
    }

    /** Host {@code host}'s ingress access log (one JSON line per request or connection). */
    public Path accessLog(int host) {
        return config.dir().resolve("access-" + layout.hostName(host) + ".log");
    }

    public void stopAgent(int host) {
        stopRole(agentRole(host));
    }

    /** Stops every process, then removes every namespace, link and file the lab made. */
    public void down() {
        stopAndRemoveNetworking();
        deleteTree(config.dir());
    }

    /**
     * Removes what the lab of {@code config} left, whether {@link #up} returned or was cut short:
     * the processes its state file records, every namespace of its prefix, its directory. True if
     * nothing of it is left; a {@code up} still running beside this can leave more, so a caller
     * that races one calls again.
     */
    public static boolean removeLeftovers(LabConfig config, LinuxNetworking net) throws IOException {
        Lab recorded = attach(config, net);
        if (recorded != null) {
            recorded.stopAndRemoveNetworking();
        }
        LabLayout layout = new LabLayout(config.prefix(), config.hosts());
        removeNamespaces(net, layout);
        deleteTree(config.dir());
        return net.namespaces().stream().noneMatch(layout::owns) && !Files.exists(config.dir());
    }

    private void stopAndRemoveNetworking() {
        List<String> roles = new ArrayList<>(state.pids().keySet());
        roles.sort((a, b) -> order(a) - order(b));
        for (String role : roles) {
            stopRole(role);
        }
        removeNamespaces(net, layout);
        removeStaleSockets(layout);
        try {
            Files.deleteIfExists(config.dir().resolve(LabState.FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + config.dir().resolve(LabState.FILE), e);
        }
    }

    @Override
    public void close() {
        down();
    }

    /** Removes the namespaces of a lab; used by {@code down} and to clear leftovers of a crashed lab. */
    public static void removeNamespaces(LinuxNetworking net, LabLayout layout) {
        List<String> owned = net.namespaces().stream().filter(layout::owns).toList();
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (int host = 1; host <= LabLayout.MAX_HOSTS; host++) {
            hosts.add(layout.hostNamespace(host));
        }
        // Machines first, then hosts (taking their wireguard-go with them), then the underlay.
        for (String ns : owned) {
            if (!hosts.contains(ns) && !ns.equals(layout.underlayNamespace())) {
                net.deleteNamespace(ns);
            }
        }
        for (String ns : owned) {
            if (hosts.contains(ns)) {
                net.deleteNamespace(ns);
            }
        }
        if (owned.contains(layout.underlayNamespace())) {
            net.deleteNamespace(layout.underlayNamespace());
        }
    }

    private void buildUnderlay() {
        String ul = layout.underlayNamespace();
        net.createNamespace(ul);
        net.setUp(ul, "lo");
        net.addBridge(ul, LabLayout.BRIDGE);
        net.setUp(ul, LabLayout.BRIDGE);
        net.addAddress(ul, LabLayout.BRIDGE, layout.controllerUnderlayAddress() + "/64");
        for (int host = 1; host <= config.hosts(); host++) {
            String hostNamespace = layout.hostNamespace(host);
            // Created in our own namespace under a lab-unique name, then moved onto the bridge.
            String port = layout.namePrefix() + layout.bridgePort(host);
            net.createNamespace(hostNamespace);
            net.setUp(hostNamespace, "lo");
            net.addVeth(port, LabLayout.HOST_UPLINK, hostNamespace);
            net.moveLink(port, ul);
            net.setMaster(ul, port, LabLayout.BRIDGE);
            net.setUp(ul, port);
            net.setUp(hostNamespace, LabLayout.HOST_UPLINK);
            net.addAddress(hostNamespace, LabLayout.HOST_UPLINK, layout.hostUnderlayAddress(host) + "/64");
        }
    }

    private void startEtcd() throws IOException {
        URI client = URI.create(state.etcdEndpoint());
        String peer = "http://127.0.0.1:" + Processes.freeLoopbackPort();
        String name = layout.prefix() + "-etcd";
        List<String> command = List.of("etcd", "--name", name,
                "--data-dir", config.dir().resolve("etcd").toString(),
                "--listen-client-urls", client.toString(), "--advertise-client-urls", client.toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", name + "=" + peer, "--log-level", "warn");
        Process process = Processes.startDetached(command, config.dir().resolve("etcd.log"));
        record("etcd", process.pid());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(client.resolve("/health")).timeout(Duration.ofSeconds(2)).build();
        Deadline.await("etcd to answer on " + client, START_TIMEOUT, () -> {
            requireAlive("etcd", process);
            try {
                return http.send(health, HttpResponse.BodyHandlers.ofString()).body().contains("true");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    private void awaitHostsConnected() {
        try (FleetClient client = client()) {
            Deadline.await(config.hosts() + " agents to connect", START_TIMEOUT, () -> {
                for (int host = 1; host <= config.hosts(); host++) {
                    requireAlive(agentRole(host), null);
                }
                return client.hosts().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                        .filter(h -> h.getConnected()).count() == config.hosts();
            }, () -> client.hosts().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                    .map(h -> h.getName() + (h.getConnected() ? " connected" : " disconnected")).toList().toString());
        }
    }

    private void createDemoMachines() {
        try (FleetClient client = client()) {
            for (int host = 1; host <= config.hosts(); host++) {
                for (String suffix : List.of("a", "b")) {
                    client.machines().createMachine(CreateMachineRequest.newBuilder()
                            .setName("demo-" + host + suffix).setHost(layout.hostName(host))
                            .setBackend(Backend.BACKEND_NETNS).addPorts(8080).build());
                }
            }
            awaitAllRunning(client, 2 * config.hosts());
            awaitMesh(client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList());
        }
    }

    /**
     * Waits until every machine answers a ping from every other over the mesh, so that what `lab
     * up` prints to try (a ping between hosts) works the moment it returns.
     */
    private static void awaitMesh(List<Machine> machines) {
        MeshCheck mesh = new MeshCheck(machines, MeshCheck::ping);
        Deadline.await("every machine to answer a ping from every other over the mesh", START_TIMEOUT, mesh::round,
                () -> "no answer yet: " + String.join("; ", mesh.pending()));
    }

    /** Waits until {@code count} machines report RUNNING. */
    public static void awaitAllRunning(FleetClient client, int count) {
        Deadline.await(count + " machines to run", START_TIMEOUT, () -> client.machines()
                .listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList().stream()
                .filter(m -> m.getState() == MachineState.MACHINE_STATE_RUNNING).count() >= count,
                () -> client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList().stream()
                        .map(m -> m.getName() + "=" + m.getState()).toList().toString());
    }

    /** Where host {@code host}'s agent keeps its key, certificate and saved view. */
    public Path agentStateDir(int host) {
        return config.dir().resolve("agent-" + layout.hostName(host));
    }

    /** The host CA host {@code host}'s agent is installed with (what `fleetnet host ca` prints). */
    public Path caFile(int host) {
        return config.dir().resolve("agent-" + layout.hostName(host) + ".host-ca.pem");
    }

    /** The join token host {@code host}'s agent joined with (spent once it has joined). */
    public Path tokenFile(int host) {
        return config.dir().resolve("agent-" + layout.hostName(host) + ".join-token");
    }

    private synchronized void record(String role, long pid) throws IOException {
        state = state.withPid(role, pid);
        state.save(config.dir());
    }

    private void stopRole(String role) {
        Long pid = state.pids().get(role);
        if (pid != null) {
            Processes.stop(pid, Duration.ofSeconds(10));
        }
    }

    private void requireAlive(String role, Process process) {
        long pid = process != null ? process.pid() : state.pids().getOrDefault(role, -1L);
        if (!Processes.alive(pid)) {
            Path log = config.dir().resolve(role + ".log");
            throw new IllegalStateException(role + " (pid " + pid + ") exited during start; see " + log
                    + "; its last lines:\n" + lastLines(log, 20));
        }
    }

    /** The last {@code n} lines of {@code file}, for an error that outlives a lab directory a caller removes. */
    private static String lastLines(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String agentRole(int host) {
        return "agent-h" + host;
    }

    private static int order(String role) {
        return role.startsWith("agent") ? 0 : role.equals("controller") ? 1 : 2;
    }

    private static void removeStaleSockets(LabLayout layout) {
        try (var sockets = Files.list(Path.of("/var/run/wireguard"))) {
            for (Path socket : sockets.filter(p -> p.getFileName().toString().startsWith(layout.prefix() + "wg")).toList()) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            // no socket directory: nothing left behind
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove lab directory " + dir, e);
        }
    }

    /** Convenience for callers that print machine tables. */
    public List<Machine> machines() {
        try (FleetClient client = client()) {
            return client.machines().listMachines(ListMachinesRequest.getDefaultInstance()).getMachinesList();
        }
    }
}

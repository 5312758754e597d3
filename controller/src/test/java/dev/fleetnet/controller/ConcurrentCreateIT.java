package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import io.etcd.jetcd.Client;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Hundreds of machines created in parallel through two controller processes on one etcd:
 * no duplicate name or address, and every address parses back to its network and host.
 */
class ConcurrentCreateIT {
    private static final int MACHINES = 300;

    @Test
    void twoControllersNeverAllocateTheSameAddress() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
                FleetStore store = new FleetStore(client, new Keys("/fleetnet/v1/"));
                store.ensureDefaultNetwork();
                for (int h = 1; h <= 3; h++) {
                    store.joinHost("h" + h, "key" + h, "[fd01::" + h + "]:51820");
                }
            }
            List<Process> controllers = new ArrayList<>();
            List<FleetClient> clients = new ArrayList<>();
            Path dir = Files.createTempDirectory("fleetnet-cc-");
            boolean passed = false;
            try {
                for (int i = 0; i < 2; i++) {
                    int api = freePort();
                    Path ca = dir.resolve("api-ca-" + i + ".pem");
                    Path log = dir.resolve("controller-" + i + ".log");
                    controllers.add(new ProcessBuilder(javaCommand(), "--enable-native-access=ALL-UNNAMED", "-cp",
                            System.getProperty("java.class.path"), "dev.fleetnet.controller.ControllerMain",
                            "--listen", "127.0.0.1:" + api, "--agent-listen", "127.0.0.1:" + freePort(),
                            "--etcd-endpoints", etcd.endpoint(), "--api-ca-file", ca.toString(),
                            "--admin-token-file", dir.resolve("admin-token").toString(), "--rest-listen", "none")
                            .redirectErrorStream(true).redirectOutput(log.toFile()).start());
                    // the first controller of the fleet writes the admin token; the second finds one in etcd and writes none
                    Deadline.await("controller " + i + " to write its API CA", Duration.ofSeconds(60),
                            () -> Files.exists(ca) && Files.exists(dir.resolve("admin-token")), () -> readQuietly(log));
                    FleetClient client = FleetClient.connect(ApiEndpoint.of("127.0.0.1:" + api, ca, dir.resolve("admin-token")),
                            Duration.ofSeconds(60));
                    clients.add(client);
                }
                ExecutorService pool = Executors.newFixedThreadPool(32);
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < MACHINES; i++) {
                    int n = i;
                    calls.add(pool.submit(() -> {
                        MachineServiceGrpc.MachineServiceBlockingStub stub = clients.get(n % 2).machines()
                                .withWaitForReady().withDeadlineAfter(60, TimeUnit.SECONDS);
                        CreateMachineRequest request = CreateMachineRequest.newBuilder().setName("m" + n).setHost("h" + (n % 3 + 1)).build();
                        try {
                            stub.createMachine(request);
                        } catch (StatusRuntimeException e) {
                            failures.add("m" + n + ": " + e.getStatus());
                        }
                        // The same name again, through the other controller, must be refused.
                        try {
                            clients.get((n + 1) % 2).machines().withWaitForReady()
                                    .withDeadlineAfter(60, TimeUnit.SECONDS).createMachine(request);
                            failures.add("m" + n + ": created twice");
                        } catch (StatusRuntimeException e) {
                            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                                failures.add("m" + n + " (again): " + e.getStatus());
                            }
                        }
                    }));
                }
                for (Future<?> call : calls) {
                    call.get(5, TimeUnit.MINUTES);
                }
                pool.shutdown();
                assertThat(failures).isEmpty();
                List<Machine> machines = clients.get(0).machines().listMachines(
                        ListMachinesRequest.getDefaultInstance()).getMachinesList();
                assertThat(machines).hasSize(MACHINES);
                Map<String, Integer> hostNumbers = clients.get(1).hosts()
                        .listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                        .collect(Collectors.toMap(Host::getName, Host::getNumber));
                Set<String> names = new HashSet<>();
                Set<String> addresses = new HashSet<>();
                for (Machine m : machines) {
                    assertThat(names.add(m.getName())).as("duplicate name " + m.getName()).isTrue();
                    assertThat(addresses.add(m.getAddress())).as("duplicate address " + m.getAddress()).isTrue();
                    AddressPlan.Parts parts = AddressPlan.parse(m.getAddress());
                    assertThat(parts.network()).as(m.getAddress() + ": network").isEqualTo(1);
                    assertThat(parts.host()).as(m.getAddress() + ": host of " + m.getName()).isEqualTo((long) hostNumbers.get(m.getHost()));
                    assertThat(parts.machine()).as(m.getAddress() + ": machine number").isEqualTo(m.getNumber());
                }
                // Numbers per host are dense: every create took the next one, none was lost or doubled.
                for (String host : hostNumbers.keySet()) {
                    assertThat(machines.stream().filter(m -> m.getHost().equals(host)).map(Machine::getNumber).sorted().toList())
                            .as("machine numbers on " + host).isEqualTo(IntStream.rangeClosed(1, MACHINES / 3).boxed().toList());
                }
                passed = true;
            } finally {
                clients.forEach(FleetClient::close);
                for (Process p : controllers) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                if (passed) {
                    try (var paths = Files.walk(dir)) {
                        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                } else {
                    System.err.println("controller logs kept in " + dir);
                }
            }
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return file + ": " + e;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}

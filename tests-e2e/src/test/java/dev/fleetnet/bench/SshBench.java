package dev.fleetnet.bench;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.proto.v1.AddSshKeyRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetKnownHostsRequest;
import dev.fleetnet.proto.v1.SshKeyScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * fleetnet's SSH ingress against OpenSSH's own {@code sshd} on the same host, on a real 2-host
 * lab, with the OpenSSH client from the underlay namespace ("the internet"): the time from
 * {@code ssh MACHINE@HOST true} to its exit (median, p99; the two alternate, so both see the
 * same machine load), and the throughput of one 1 GiB {@code scp} into the machine through the
 * ingress against the same copy to {@code sshd}. Both servers use an ed25519 host key and the
 * client's default cipher. Run by {@code bench/ssh}. Args: [ROUNDS (default 50)] [SCP_MIB (default 1024)].
 */
public final class SshBench {
    private static final int SSHD_PORT = 2222;

    private SshBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int scpMib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path home = Path.of(System.getProperty("fleetnet.home", ".")).toAbsolutePath().normalize();
        Path labDir = Files.createTempDirectory("fleetnet-bench-ssh-lab-"); // the lab's own, removed by it
        Path dir = Files.createTempDirectory("fleetnet-bench-ssh-");
        String prefix = "bs" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        Process sshd = null;
        try (Lab lab = Lab.up(new LabConfig(labDir, home, prefix, 2, false), IpRouteNetworking.inOwnNamespace());
                FleetClient client = lab.client()) {
            String internet = lab.layout().underlayNamespace();
            String host1 = lab.layout().hostUnderlayAddress(1);
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h1").build());
            Lab.awaitAllRunning(client, 1);

            Path key = dir.resolve("user");
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key.toString());
            client.ssh().addKey(AddSshKeyRequest.newBuilder().setName("bench").setPublicKey(Files.readString(dir.resolve("user.pub")))
                    .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("web").build());
            Path knownHosts = dir.resolve("known_hosts");
            String fleetLine = client.ssh().getKnownHosts(GetKnownHostsRequest.getDefaultInstance()).getKnownHosts();

            // OpenSSH's sshd in host 1's namespace, on the same address, with the same user key for root
            Path hostKey = dir.resolve("sshd_host_key");
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString());
            Files.copy(dir.resolve("user.pub"), dir.resolve("authorized_keys"));
            Path config = dir.resolve("sshd_config");
            Files.writeString(config, String.join("\n",
                    "Port " + SSHD_PORT, "ListenAddress " + host1, "HostKey " + hostKey, "PidFile " + dir.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "PermitRootLogin prohibit-password",
                    "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                    "Subsystem sftp internal-sftp", ""));
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
            Files.writeString(knownHosts, fleetLine + "\n[" + host1 + "]:" + SSHD_PORT + " "
                    + Files.readString(Path.of(hostKey + ".pub")).strip() + "\n");
            sshd = new ProcessBuilder("ip", "netns", "exec", lab.layout().hostNamespace(1), "/usr/sbin/sshd", "-D", "-e",
                    "-f", config.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();

            List<String> base = List.of("ip", "netns", "exec", internet, "ssh", "-F", "/dev/null", "-o",
                    "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o",
                    "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "-i", key.toString());
            List<String> viaFleet = concat(base, List.of("web@" + host1, "true"));
            List<String> viaSshd = concat(base, List.of("-p", Integer.toString(SSHD_PORT), "root@" + host1, "true"));
            awaitOk(viaFleet, "fleetnet's SSH ingress");
            awaitOk(viaSshd, "sshd");

            List<Double> fleet = new ArrayList<>();
            List<Double> direct = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // warm-up: JIT for the agent, caches for both
                timed(viaFleet);
                timed(viaSshd);
            }
            for (int i = 0; i < rounds; i++) {
                fleet.add(timed(viaFleet));
                direct.add(timed(viaSshd));
            }
            Percentiles f = Percentiles.of(fleet);
            Percentiles d = Percentiles.of(direct);
            System.out.println("ssh MACHINE@HOST true, to exit:");
            System.out.println("  fleetnet ingress: " + f.summary("ms"));
            System.out.println("  OpenSSH sshd:     " + d.summary("ms"));
            System.out.printf("  ratio fleetnet/sshd (median): %.2f%n", f.median() / d.median());

            Path big = dir.resolve("big");
            run("dd", "if=/dev/urandom", "of=" + big, "bs=1M", "count=" + scpMib, "status=none");
            List<String> scpBase = List.of("ip", "netns", "exec", internet, "scp", "-q", "-F", "/dev/null", "-o",
                    "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o",
                    "IdentitiesOnly=yes", "-i", key.toString());
            // a netns machine shares its host's filesystem, so both copies land in this directory
            double fleetSeconds = timed(concat(scpBase, List.of(big.toString(), "web@[" + host1 + "]:" + dir.resolve("via-fleet")))) / 1000;
            Files.delete(dir.resolve("via-fleet"));
            double sshdSeconds = timed(concat(scpBase, List.of("-P", Integer.toString(SSHD_PORT), big.toString(),
                    "root@[" + host1 + "]:" + dir.resolve("via-sshd")))) / 1000;
            Files.delete(dir.resolve("via-sshd"));
            System.out.printf("scp %d MiB into the machine: fleetnet ingress %.0f MiB/s (%.1f s), sshd %.0f MiB/s (%.1f s), ratio %.2f%n",
                    scpMib, scpMib / fleetSeconds, fleetSeconds, scpMib / sshdSeconds, sshdSeconds, sshdSeconds / fleetSeconds);
        } finally {
            if (sshd != null) {
                sshd.descendants().forEach(ProcessHandle::destroyForcibly);
                sshd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Milliseconds from start to exit; a failed run ends the benchmark with its output. */
    private static double timed(List<String> command) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(output));
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /** Polls until {@code command} succeeds (the server is listening and accepts the key), for up to 30 s. */
    private static void awaitOk(List<String> command, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            last = new String(p.getInputStream().readAllBytes());
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        }
        throw new IllegalStateException(what + " did not accept `" + String.join(" ", command) + "` within 30 s: " + last);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(output));
        }
    }
}

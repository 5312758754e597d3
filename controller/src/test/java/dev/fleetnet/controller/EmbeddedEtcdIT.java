package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With no etcd endpoints the controller runs etcd itself, and etcd never outlives it. */
class EmbeddedEtcdIT {

    @Test
    void etcdStartsWithTheControllerAndDiesWithItEvenOnSigkill() throws Exception {
        Path dir = Files.createTempDirectory("fleetnet-embedded-");
        Process controller = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.fleetnet.controller.ControllerMain", "--listen", "127.0.0.1:" + freePort(), "--agent-listen", "127.0.0.1:" + freePort(),
                "--data-dir", dir.toString(), "--rest-listen", "127.0.0.1:" + freePort()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(controller.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("fleetnet controller ready")) {
                // skip log lines until ready
            }
            assertThat(line).as("controller ready line").isNotNull().contains("etcd embedded in " + dir);
            List<ProcessHandle> etcd = etcdUnder(dir);
            assertThat(etcd).hasSize(1);
            assertThat(Files.isDirectory(dir.resolve("etcd"))).isTrue();

            controller.destroyForcibly();
            controller.waitFor(10, TimeUnit.SECONDS);
            assertThat(etcd.get(0).onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        } finally {
            controller.destroyForcibly();
            etcdUnder(dir).forEach(ProcessHandle::destroyForcibly);
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<ProcessHandle> etcdUnder(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains("etcd --name fleetnet")
                && c.contains(dir.toString())).orElse(false)).toList();
    }
}

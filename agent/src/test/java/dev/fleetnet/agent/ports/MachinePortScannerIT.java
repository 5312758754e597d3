package dev.fleetnet.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.Sandbox;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reads a real namespace's TCP tables while a real listener comes and goes inside it. */
class MachinePortScannerIT {
    @Test
    void seesAListenerInsideTheNamespaceAppearAndGo() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            String ns = sandbox.namespace("m");
            MachinePortScanner scanner = new MachinePortScanner(new ConnectProbe(Duration.ofMillis(200)));
            ScanTarget target = new ScanTarget("m", ns, "fdaa:0:1:0:1:0:1:0", Set.of(7001));
            assertThat(scanner.listening(target)).isEmpty();

            Process v6 = new ProcessBuilder("ip", "netns", "exec", ns, "socat", "TCP6-LISTEN:7001,reuseaddr,fork", "SYSTEM:true").start();
            Process v4 = new ProcessBuilder("ip", "netns", "exec", ns, "socat", "TCP4-LISTEN:7002,bind=127.0.0.1,fork", "SYSTEM:true").start();
            try {
                assertThat(Sandbox.await(Duration.ofSeconds(10), () -> call(scanner, target).equals(Set.of(7001, 7002))))
                        .as("both listeners seen inside " + ns).isTrue();
                // the test JVM's own namespace is not the machine's: nothing of this listens here
                assertThat(ProcNetTcp.listeningPorts(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/net/tcp6"))))
                        .doesNotContain(7001);
            } finally {
                v6.destroy();
                v4.destroy();
                v6.waitFor(5, TimeUnit.SECONDS);
                v4.waitFor(5, TimeUnit.SECONDS);
            }
            assertThat(Sandbox.await(Duration.ofSeconds(10), () -> call(scanner, target).isEmpty())).as("listeners gone").isTrue();
            scanner.retain(Set.of());
        }
    }

    private static Set<Integer> call(MachinePortScanner scanner, ScanTarget target) {
        try {
            return scanner.listening(target);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

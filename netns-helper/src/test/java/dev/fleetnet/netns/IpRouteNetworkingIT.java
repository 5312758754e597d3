package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract against the real kernel, in a home namespace the test makes (nothing touches the root namespace). */
class IpRouteNetworkingIT extends AbstractLinuxNetworkingContract {
    private String home;

    @BeforeEach
    void create() {
        home = prefix + "home";
        IpRouteNetworking.inOwnNamespace().createNamespace(home);
        net = IpRouteNetworking.inNamespace(home);
    }

    @AfterEach
    void removeHome() {
        IpRouteNetworking.inOwnNamespace().deleteNamespace(home);
    }

    @Override
    protected String sysctl(String namespace, String key) {
        return Command.check(List.of("ip", "netns", "exec", namespace, "sysctl", "-n", key)).strip();
    }

    @Test
    void killProcessesEndsWhatRunsInside() throws Exception {
        String ns = prefix + "p";
        net.createNamespace(ns);
        Process sleeper = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "600").start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (net.processes(ns).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(net.processes(ns)).isNotEmpty();
        net.killProcesses(ns);
        assertThat(sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(net.processes(ns)).isEmpty();
    }

    @Test
    void failuresNameTheCommandAndTheKernelsReason() {
        try {
            net.setUp(null, "nosuchlink0");
        } catch (NetworkingException e) {
            assertThat(e.getMessage()).contains("ip -n " + home + " link set nosuchlink0 up").contains("exit");
            return;
        }
        throw new AssertionError("expected a NetworkingException");
    }

    @Test
    void noTestNamespaceIsLeftInTheNetnsDirectoryAfterDelete() {
        String ns = prefix + "x";
        net.createNamespace(ns);
        net.deleteNamespace(ns);
        assertThat(Files.exists(Path.of("/var/run/netns", ns))).isFalse();
    }
}

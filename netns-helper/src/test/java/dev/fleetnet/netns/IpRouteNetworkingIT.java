package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract against the real kernel, with a home namespace the test makes: the root namespace is never touched. */
class IpRouteNetworkingIT extends AbstractLinuxNetworkingContract {
    private final List<Process> started = new ArrayList<>();
    private String home;

    @BeforeEach
    void create() {
        home = prefix + "home";
        IpRouteNetworking.inOwnNamespace().createNamespace(home);
        net = new IpRouteNetworking(new IpRouteNetworking.Config(home));
    }

    @AfterEach
    void removeHome() {
        started.forEach(Process::destroyForcibly);
        IpRouteNetworking.inOwnNamespace().deleteNamespace(home);
    }

    @Override
    protected String sysctl(String namespace, String key) {
        return Command.check(List.of("ip", "netns", "exec", namespace, "sysctl", "-n", key)).strip();
    }

    @Override
    protected void startProcessIn(String namespace) throws Exception {
        int before = net.processes(namespace).size();
        started.add(new ProcessBuilder("nsenter", "--net=/var/run/netns/" + namespace, "sleep", "600").start());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (net.processes(namespace).size() == before) {
            assertThat(System.nanoTime()).as("process seen in " + namespace + " within 10s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void failuresNameTheCommandLineExitCodeAndTheKernelsReason() {
        assertThatThrownBy(() -> net.setUp(null, "nosuchlink0")).isInstanceOf(NetworkingException.class)
                .hasMessageContaining("ip -n " + home + " link set nosuchlink0 up: exit 1: ")
                .hasMessageContaining("nosuchlink0\"");
        assertThatThrownBy(() -> net.addAddress(null, "nosuchlink0", "fdaa::1"))
                .hasMessageStartingWith("ip -n " + home + " addr add fdaa::1/128 dev nosuchlink0 nodad: exit ");
    }

    @Test
    void theKernelsOwnAddressesAndRoutesAreReadToo() {
        String ns = prefix + "k";
        net.createNamespace(ns);
        net.setUp(ns, "lo");
        assertThat(net.addresses(ns, "lo")).contains("::1/128");
        net.addAddress(ns, "lo", "fd0e::5");
        assertThat(net.addresses(ns, "lo")).contains("fd0e::5/128");
        assertThat(net.routes(ns)).contains(LinuxNetworking.Route.onLink("fd0e::5/128", "lo"));
    }

    @Test
    void noTestNamespaceIsLeftInTheNetnsDirectoryAfterDelete() {
        String ns = prefix + "x";
        net.createNamespace(ns);
        net.deleteNamespace(ns);
        assertThat(Files.exists(Path.of("/var/run/netns", ns))).isFalse();
    }
}

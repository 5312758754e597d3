package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NamespaceRunnerIT {
    private final String ns = "t" + AbstractLinuxNetworkingContract.randomLetters(5) + "-run";
    private final LinuxNetworking net = IpRouteNetworking.inOwnNamespace();
    private final NamespaceRunner runner = new NamespaceRunner();

    @BeforeEach
    void create() {
        net.createNamespace(ns);
        net.setUp(ns, "lo");
        net.addBridge(ns, "br0");
        net.setUp(ns, "br0");
        net.addAddress(ns, "br0", "fd0e::1/64");
    }

    @AfterEach
    void remove() {
        runner.close();
        net.deleteNamespace(ns);
    }

    @Test
    void aServerOpenedInATaskListensInsideTheNamespace() throws Exception {
        ServerSocket server = runner.call(ns, () -> new ServerSocket(0, 5, InetAddress.getByName("fd0e::1")));
        try (server) {
            // Reachable from a client in the namespace, through the kernel, not from our own namespace.
            String probe = "exec 3<>/dev/tcp/fd0e::1/" + server.getLocalPort() + " && echo ok";
            Process client = new ProcessBuilder("ip", "netns", "exec", ns, "bash", "-c", probe).start();
            try (Socket accepted = server.accept()) {
                assertThat(accepted.getInetAddress().getHostAddress()).startsWith("fd0e");
            }
            assertThat(new String(client.getInputStream().readAllBytes()).strip()).isEqualTo("ok");
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("fd0e::1", server.getLocalPort()), 500);
                }
            }).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void theCallingThreadStaysInItsOwnNamespace() throws Exception {
        String inside = runner.call(ns, () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        String outside = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        assertThat(inside).isNotEqualTo(outside);
        assertThat(runner.call(ns, () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString())).isEqualTo(inside);
    }

    @Test
    void aMissingNamespaceIsAClearError() {
        assertThatThrownBy(() -> runner.call(ns + "-missing", () -> 1))
                .isInstanceOf(NetworkingException.class).hasMessageContaining(ns + "-missing").hasMessageContaining("ip netns add");
    }
}

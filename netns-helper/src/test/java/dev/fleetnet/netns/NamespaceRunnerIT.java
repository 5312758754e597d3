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

/** Tasks run inside a test namespace while the calling thread stays where it was. */
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
        String outside = ownNamespace();
        String inside = runner.call(ns, NamespaceRunnerIT::ownNamespace);
        assertThat(inside).isNotEqualTo(outside).isEqualTo(namespaceFileInode());
        assertThat(ownNamespace()).isEqualTo(outside);
        assertThat(runner.call(ns, NamespaceRunnerIT::ownNamespace)).isEqualTo(inside);
    }

    @Test
    void aNamespaceMadeAgainUnderTheSameNameGetsAFreshThread() throws Exception {
        String before = runner.call(ns, NamespaceRunnerIT::ownNamespace);
        net.deleteNamespace(ns);
        net.createNamespace(ns);
        String after = runner.call(ns, NamespaceRunnerIT::ownNamespace);
        assertThat(after).isNotEqualTo(before).isEqualTo(namespaceFileInode());
    }

    @Test
    void nestedCallsRunDirectlyAndTaskExceptionsComeBackAsThemselves() throws Exception {
        assertThat(runner.call(ns, () -> runner.call(ns, () -> 7))).isEqualTo(7);
        assertThatThrownBy(() -> runner.call(ns, () -> {
            throw new java.io.IOException("from the task");
        })).isExactlyInstanceOf(java.io.IOException.class).hasMessage("from the task");
    }

    @Test
    void aReleasedNamespaceIsEnteredAgainOnTheNextCall() throws Exception {
        Thread first = runner.call(ns, Thread::currentThread);
        runner.release(ns);
        Thread second = runner.call(ns, Thread::currentThread);
        assertThat(second).isNotSameAs(first);
        assertThat(runner.call(ns, Thread::currentThread)).isSameAs(second);
    }

    private static String ownNamespace() throws java.io.IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    private String namespaceFileInode() throws java.io.IOException {
        return "net:[" + Files.getAttribute(Path.of("/var/run/netns", ns), "unix:ino") + "]";
    }

    @Test
    void aMissingNamespaceIsAClearError() {
        assertThatThrownBy(() -> runner.call(ns + "-missing", () -> 1))
                .isInstanceOf(NetworkingException.class).hasMessageContaining(ns + "-missing").hasMessageContaining("ip netns add");
    }
}

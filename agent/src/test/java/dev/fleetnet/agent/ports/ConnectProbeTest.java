package dev.fleetnet.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConnectProbeTest {
    @Test
    void findsExactlyTheExposedPortsThatAccept() throws Exception {
        InetAddress loopback = InetAddress.getByName("::1");
        try (ServerSocket open = new ServerSocket(0, 50, loopback); ServerSocket other = new ServerSocket(0, 50, loopback)) {
            int closed;
            try (ServerSocket gone = new ServerSocket(0, 50, loopback)) {
                closed = gone.getLocalPort();
            }
            // "other" listens but is not exposed: never probed, never reported
            Set<Integer> found = new ConnectProbe(Duration.ofMillis(500))
                    .listening(new ScanTarget("vm", null, "::1", Set.of(open.getLocalPort(), closed)));
            assertThat(found).containsExactly(open.getLocalPort());
            assertThat(found).doesNotContain(other.getLocalPort());
        }
    }
}

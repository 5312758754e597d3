package dev.fleetnet.agent.ports;

import dev.fleetnet.core.Ipv6;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * Listening ports of a machine the agent cannot look inside (a TAP machine's VM): a TCP
 * connect to each exposed port over its link, closed at once. Only exposed ports are probed.
 */
public final class ConnectProbe implements PortScanner {
    private final Duration timeout;

    public ConnectProbe(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Set<Integer> listening(ScanTarget target) {
        Set<Integer> ports = new TreeSet<>();
        for (int port : new TreeSet<>(target.exposedPorts())) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getByAddress(Ipv6.parse(target.address())), port), (int) timeout.toMillis());
                ports.add(port);
            } catch (IOException refusedOrSilent) {
                // not listening (refused) or not reachable within the timeout
            }
        }
        return ports;
    }
}

package dev.fleetnet.agent.ports;

import dev.fleetnet.netns.NamespaceRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Listening ports of a machine. A netns machine: its own {@code tcp} and {@code tcp6} tables, read from
 * {@code /proc/thread-self/net} on a thread that entered the machine's namespace (no process is
 * started, and the machine needs no process of its own for this). TAP machines get a connect
 * probe of their exposed ports ({@link ConnectProbe}).
 */
public final class MachinePortScanner implements PortScanner {
    private static final Path TCP = Path.of("/proc/thread-self/net/tcp");
    private static final Path TCP6 = Path.of("/proc/thread-self/net/tcp6");
    private final NamespaceRunner runner = new NamespaceRunner();
    private final ConnectProbe probe;
    /** Namespace by machine, to release the namespace threads of machines that left. Scan thread only. */
    private final Map<String, String> entered = new HashMap<>();

    public MachinePortScanner(ConnectProbe probe) {
        this.probe = probe;
    }

    @Override
    public Set<Integer> listening(ScanTarget target) throws Exception {
        if (target.netns() == null) {
            return probe.listening(target);
        }
        entered.put(target.machine(), target.netns());
        return runner.call(target.netns(), () -> {
            Set<Integer> ports = new TreeSet<>(ProcNetTcp.listeningPorts(read(TCP)));
            ports.addAll(ProcNetTcp.listeningPorts(read(TCP6)));
            return ports;
        });
    }

    private static String read(Path table) throws java.io.IOException {
        return Files.exists(table) ? Files.readString(table, StandardCharsets.US_ASCII) : "";
    }

    @Override
    public void retain(Set<String> machines) {
        entered.entrySet().removeIf(e -> {
            if (machines.contains(e.getKey())) {
                return false;
            }
            runner.release(e.getValue());
            return true;
        });
    }
}

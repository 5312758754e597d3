package dev.fleetnet.netns;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a program inside a named network namespace ({@code ip netns exec NS cmd…}). */
public final class NamespaceExec {
    private NamespaceExec() {}

    /**
     * {@code ip netns exec NAMESPACE program…}: the program sees the namespace's network, and
     * {@code /etc/netns/NAMESPACE} files over {@code /etc} (iproute2 gives it its own mount namespace).
     */
    public static List<String> command(String namespace, List<String> program) {
        LinuxNames.requireNamespace(namespace);
        if (program.isEmpty()) {
            throw new IllegalArgumentException("command: empty (expected: a program and its arguments)");
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(program);
        return argv;
    }
}

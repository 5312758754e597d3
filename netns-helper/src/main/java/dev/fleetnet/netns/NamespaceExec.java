package dev.fleetnet.netns;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a program inside a named network namespace. */
public final class NamespaceExec {
    private NamespaceExec() {}

    public static List<String> command(String namespace, List<String> program) {
        if (program.isEmpty()) {
            throw new IllegalArgumentException("command: empty (expected: a program and its arguments)");
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(program);
        return argv;
    }
}

package dev.fleetnet.ingress.ssh;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** How the SSH ingress runs: where it listens, where its host key lives, and how a command enters a machine. */
public record SshIngressConfig(InetSocketAddress listen, Path hostKeyFile, NamespaceEntry entry) {
    /** Turns a command into one that runs inside a machine. */
    @FunctionalInterface
    public interface NamespaceEntry {
        List<String> wrap(String machine, List<String> command);

        /** {@code nsenter --net=/var/run/netns/{prefix}{machine} -- command}: a netns machine's network, the host's filesystem. */
        static NamespaceEntry nsenter(String netnsPrefix) {
            return (machine, command) -> {
                List<String> argv = new java.util.ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + netnsPrefix + machine, "--"));
                argv.addAll(command);
                return argv;
            };
        }

        /** Runs commands as they are (tests without namespaces). */
        static NamespaceEntry none() {
            return (machine, command) -> command;
        }
    }
}

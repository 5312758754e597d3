package dev.fleetnet.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Everything one IT creates, under one random prefix ({@code t} + 4 letters), and removed by
 * {@link #close()} even when the test failed: wireguard-go interfaces first (so their daemons
 * exit), then every namespace whose name starts with the prefix, then stray sockets.
 */
public final class Sandbox implements AutoCloseable {
    private final String prefix;
    private final List<String[]> wireguard = new ArrayList<>(); // {namespace, interface}

    public Sandbox() {
        Random random = new Random();
        StringBuilder sb = new StringBuilder("t");
        for (int i = 0; i < 4; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        prefix = sb.toString();
    }

    public String prefix() {
        return prefix;
    }

    /** Creates {@code <prefix><suffix>} with loopback up. */
    public String namespace(String suffix) {
        String name = prefix + suffix;
        run("ip", "netns", "add", name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** Remembers a wireguard-go interface to delete (which ends its daemon) before the namespaces go. */
    public void wireguard(String namespace, String device) {
        wireguard.add(new String[] {namespace, device});
    }

    /** Runs a command; throws with its output unless it exits 0. */
    public static String run(String... argv) {
        Result result = exec(argv);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": exit " + result.exitCode() + ": " + result.output());
        }
        return result.output();
    }

    /** A command's exit code and combined output. */
    public record Result(int exitCode, String output) {}

    public static Result exec(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", argv), e);
        }
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20); // polling interval, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** Process ids in a named namespace (empty if it is gone). */
    public static List<Long> pids(String namespace) {
        Result result = exec("ip", "netns", "pids", namespace);
        return result.exitCode() != 0 ? List.of()
                : result.output().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::valueOf).toList();
    }

    @Override
    public void close() {
        for (String[] wg : wireguard) {
            List<Long> before = pids(wg[0]);
            exec("ip", "-n", wg[0], "link", "delete", wg[1]);
            // Deleting its interface ends wireguard-go; anything left in the namespace after that is killed below.
            await(Duration.ofSeconds(5), () -> before.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        }
        List<String> namespaces = exec("ip", "netns", "list").output().lines().map(l -> l.split(" ")[0])
                .filter(n -> n.startsWith(prefix)).toList();
        for (String ns : namespaces) {
            for (long pid : pids(ns)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            exec("ip", "netns", "delete", ns);
        }
        try (Stream<Path> sockets = Files.list(Path.of("/var/run/wireguard"))) {
            for (Path socket : sockets.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            // no socket directory: nothing to remove
        }
    }
}

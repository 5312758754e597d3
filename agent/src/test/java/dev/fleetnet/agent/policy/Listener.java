package dev.fleetnet.agent.policy;

import dev.fleetnet.agent.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A socat listener in a namespace that appends everything it receives to a file, so a test can
 * say what arrived, and, after a control message arrived, what did not.
 */
final class Listener implements AutoCloseable {
    private static final Duration ARRIVAL = Duration.ofSeconds(5);
    private static final java.util.concurrent.atomic.AtomicInteger CONTROLS = new java.util.concurrent.atomic.AtomicInteger();
    private final Process process;
    private final Path file;
    private final String description;
    private final String namespace;
    private final String protocol;
    private final String bind;
    private final int port;

    private Listener(Process process, Path file, String namespace, String protocol, String bind, int port) {
        this.process = process;
        this.file = file;
        this.namespace = namespace;
        this.protocol = protocol;
        this.bind = bind;
        this.port = port;
        this.description = protocol + " listener " + bind + " port " + port + " in " + namespace;
    }

    /** {@code protocol} is tcp or udp; {@code bind} an address (IPv4 or IPv6) or {@code ::} for any. */
    static Listener start(String namespace, String protocol, String bind, int port, Path dir) throws IOException {
        boolean v4 = bind.contains(".");
        String family = v4 ? "4" : "6";
        String address = v4 ? bind : "[" + bind + "]";
        String spec = protocol.equals("tcp")
                ? "TCP" + family + "-LISTEN:" + port + ",bind=" + address + ",reuseaddr,fork"
                : "UDP" + family + "-RECV:" + port + ",bind=" + address;
        Path file = dir.resolve(namespace + "-" + protocol + "-" + port + ".log");
        Files.deleteIfExists(file);
        Files.createFile(file);
        Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "socat", "-u", spec, "OPEN:" + file + ",append")
                .redirectErrorStream(true).redirectOutput(dir.resolve(namespace + "-" + protocol + "-" + port + ".err").toFile()).start();
        Listener listener = new Listener(p, file, namespace, protocol, bind, port);
        String ssFlags = protocol.equals("tcp") ? "-Hltn" : "-Hlun";
        boolean ready = Sandbox.await(ARRIVAL, () -> !Sandbox.exec("ip", "netns", "exec", namespace, "ss", ssFlags, "sport = :" + port)
                .output().isBlank());
        if (!ready || !p.isAlive()) {
            listener.close();
            throw new IllegalStateException(listener.description + " did not start: " + Files.readString(dir.resolve(namespace + "-" + protocol + "-" + port + ".err")));
        }
        return listener;
    }

    /** Everything received so far. */
    String received() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(description + ": " + e.getMessage(), e);
        }
    }

    /** Polls until {@code payload} has arrived; false after the deadline. */
    boolean awaitReceived(String payload) {
        return Sandbox.await(ARRIVAL, () -> received().contains(payload));
    }

    /**
     * Sends a control message from the listener's own namespace and waits for it: what the listener
     * holds then is everything that was sent to it before (a refused TCP connect has timed out by
     * then, a refused datagram has been dropped). Returns what it holds.
     */
    String receivedAfterControl() {
        String control = "control-" + CONTROLS.incrementAndGet();
        String local = bind.contains(".") ? (bind.equals("0.0.0.0") ? "127.0.0.1" : bind) : (bind.equals("::") ? "::1" : bind);
        boolean sent = protocol.equals("tcp") ? PolicyLab.tcp(namespace, null, local, port, control)
                : PolicyLab.udp(namespace, null, local, port, control);
        if (!sent || !awaitReceived(control)) {
            throw new IllegalStateException(description + ": the control message did not arrive; received: " + lines());
        }
        return received();
    }

    /** Lines received, for assertion messages. */
    List<String> lines() {
        return received().lines().toList();
    }

    @Override
    public String toString() {
        return description;
    }

    @Override
    public void close() {
        // fork children serve single TCP connections; end them with their parent (ip netns exec → socat).
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

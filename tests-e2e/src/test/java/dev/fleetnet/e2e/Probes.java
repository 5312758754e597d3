package dev.fleetnet.e2e;

import dev.fleetnet.lab.Deadline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real TCP and UDP traffic with socat: listeners that record every byte that reached them in
 * a file, and one-shot senders, each inside a given namespace. A refusal is proven by what
 * the listener recorded, never only by the sender's error.
 */
final class Probes {
    private Probes() {}

    /** A socat listener inside a namespace, appending whatever arrives to a file. */
    static final class Listener implements AutoCloseable {
        private final Process process;
        private final Path file;
        final String namespace;
        final int port;

        private Listener(Process process, Path file, String namespace, int port) {
            this.process = process;
            this.file = file;
            this.namespace = namespace;
            this.port = port;
        }

        static Listener tcp(String namespace, int port, Path dir) throws IOException {
            return start(namespace, port, dir, "TCP6-LISTEN:" + port + ",reuseaddr,fork", "-Hltn");
        }

        static Listener udp(String namespace, int port, Path dir) throws IOException {
            return start(namespace, port, dir, "UDP6-RECVFROM:" + port + ",reuseaddr,fork", "-Hlun");
        }

        private static Listener start(String namespace, int port, Path dir, String address, String ssFlags) throws IOException {
            Path file = dir.resolve(namespace + "-" + ssFlags.charAt(3) + port + ".log");
            Files.writeString(file, "");
            Process process = new ProcessBuilder("ip", "netns", "exec", namespace, "socat", "-u", address,
                    "OPEN:" + file + ",creat,append").redirectErrorStream(true).redirectOutput(dir.resolve(file.getFileName() + ".err").toFile())
                    .start();
            Deadline.await("socat listening on port " + port + " in " + namespace, Duration.ofSeconds(10),
                    () -> !Shell.inNamespace(namespace, "ss", ssFlags, "sport = :" + port).output().isBlank());
            return new Listener(process, file, namespace, port);
        }

        String received() {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void awaitReceived(String marker) {
            Deadline.await("'" + marker + "' to reach port " + port + " in " + namespace, Duration.ofSeconds(15),
                    () -> received().contains(marker), this::received);
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code marker} over TCP from inside {@code namespace}, from {@code source} when not null. */
    static Shell.Result tcp(String namespace, String address, int port, String marker, String source) {
        return send(namespace, "TCP6:[" + address + "]:" + port + ",connect-timeout=2" + bind(source), marker);
    }

    /** Sends {@code marker} as one UDP datagram from inside {@code namespace}, from {@code source} when not null. */
    static Shell.Result udp(String namespace, String address, int port, String marker, String source) {
        return send(namespace, "UDP6-SENDTO:[" + address + "]:" + port + bind(source), marker);
    }

    private static String bind(String source) {
        return source == null ? "" : ",bind=[" + source + "]";
    }

    private static Shell.Result send(String namespace, String address, String marker) {
        if (!marker.matches("[A-Za-z0-9_.:-]+")) {
            throw new IllegalArgumentException("marker: '" + marker + "' (expected: letters, digits and _.:- only)");
        }
        return Shell.run(List.of("ip", "netns", "exec", namespace, "sh", "-c", "printf '%s\\n' " + marker + " | socat -u - '" + address + "'"));
    }
}

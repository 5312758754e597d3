package dev.fleetnet.controller.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A real etcd for tests: random loopback ports, a temporary data directory, always removed. */
public final class EtcdProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final String endpoint;

    private EtcdProcess(Process process, Path dir, String endpoint) {
        this.process = process;
        this.dir = dir;
        this.endpoint = endpoint;
    }

    public static EtcdProcess start() throws Exception {
        Path dir = Files.createTempDirectory("fleetnet-test-etcd-");
        String client = "http://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        Process process = new ProcessBuilder(List.of("etcd", "--name", "test", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer, "--log-level", "error"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        EtcdProcess etcd = new EtcdProcess(process, dir, client);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(client + "/health")).build(), HttpResponse.BodyHandlers.ofString())
                        .body().contains("true")) {
                    return etcd;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                etcd.close();
                throw new IllegalStateException("test etcd did not start; see " + dir.resolve("etcd.log"));
            }
            Thread.sleep(50); // polling interval
        }
    }

    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

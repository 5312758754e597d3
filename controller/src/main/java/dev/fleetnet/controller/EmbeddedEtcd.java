package dev.fleetnet.controller;

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
import java.util.List;

/**
 * The {@code etcd} binary run by the controller when no endpoints are configured: its own
 * data directory, loopback ports, and {@code setpriv --pdeathsig KILL} so it dies with the
 * controller even on SIGKILL.
 */
final class EmbeddedEtcd implements AutoCloseable {
    private final Process process;
    private final String endpoint;

    private EmbeddedEtcd(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    static EmbeddedEtcd start(Path dataDir) throws IOException, InterruptedException {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IOException("--data-dir: cannot create " + dataDir + " (" + e + ")", e);
        }
        String client = "http://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        Process process = new ProcessBuilder(List.of("setpriv", "--pdeathsig", "KILL", "etcd",
                "--name", "fleetnet", "--data-dir", dataDir.resolve("etcd").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "fleetnet=" + peer, "--log-level", "warn"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile()))
                .start();
        EmbeddedEtcd etcd = new EmbeddedEtcd(process, client);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("etcd exited with " + process.exitValue() + "; see " + dataDir.resolve("etcd.log"));
            }
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create(client + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains("true")) {
                    return etcd;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                etcd.close();
                throw new IOException("etcd did not become healthy on " + client + " within 30s; see " + dataDir.resolve("etcd.log"));
            }
            Thread.sleep(50); // polling interval
        }
    }

    String endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

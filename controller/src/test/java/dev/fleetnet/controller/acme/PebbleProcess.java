package dev.fleetnet.controller.acme;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real pebble ACME server and pebble-challtestsrv as its DNS (every name resolves to
 * 127.0.0.1, no AAAA) on free loopback ports; HTTP-01 validation goes to {@code httpPort}.
 * Its HTTPS certificate is made with openssl per run. Always stopped and removed by close().
 */
final class PebbleProcess implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final Path dir;
    private URI directory;
    private URI management;
    private X509Certificate tlsCertificate;

    private PebbleProcess(Path dir) {
        this.dir = dir;
    }

    static PebbleProcess start(int httpPort) throws Exception {
        PebbleProcess pebble = new PebbleProcess(Files.createTempDirectory("fleetnet-test-pebble-"));
        try {
            pebble.startAll(httpPort);
            return pebble;
        } catch (Exception | AssertionError e) {
            pebble.close();
            throw e;
        }
    }

    private void startAll(int httpPort) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=pebble test",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
        tlsCertificate = AcmeTrust.readPem("pebble cert", cert).get(0);
        int dnsPort = freePort();
        int acmePort = freePort();
        int managementPort = freePort();
        Path config = dir.resolve("pebble-config.json");
        Files.writeString(config, """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """.formatted(acmePort, managementPort, cert, key, httpPort, freePort()));
        processes.add(new ProcessBuilder(List.of("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", "127.0.0.1:" + freePort()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("challtestsrv.log").toFile()).start());
        ProcessBuilder pebble = new ProcessBuilder(List.of("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
        Map<String, String> env = pebble.environment();
        env.put("PEBBLE_VA_NOSLEEP", "1"); // validate at once; never PEBBLE_VA_ALWAYS_VALID: validation is what is tested
        env.remove("PEBBLE_VA_ALWAYS_VALID");
        processes.add(pebble.start());
        directory = URI.create("https://127.0.0.1:" + acmePort + "/dir");
        management = URI.create("https://127.0.0.1:" + managementPort);
        HttpClient http = http();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(directory).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || processes.stream().anyMatch(p -> !p.isAlive())) {
                throw new IllegalStateException("pebble did not start; log: " + log());
            }
            Thread.sleep(50); // polling interval
        }
    }

    /** The ACME directory URL. */
    URI directory() {
        return directory;
    }

    /** What to trust for pebble's HTTPS (its per-run self-signed certificate). */
    X509Certificate tlsCertificate() {
        return tlsCertificate;
    }

    /** Pebble's issuing root, from its management interface. */
    X509Certificate issuingRoot() throws Exception {
        String pem = http().send(HttpRequest.newBuilder(management.resolve("/roots/0")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** How many orders pebble has created so far (its log says "Added order ... to the db" for each). */
    long ordersCreated() throws IOException {
        return log().lines().filter(l -> l.contains("Added order")).count();
    }

    String log() throws IOException {
        Path log = dir.resolve("pebble.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private HttpClient http() {
        return HttpClient.newBuilder().sslContext(AcmeTrust.sslContext(List.of(tlsCertificate))).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

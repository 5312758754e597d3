package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.ListCertificatesRequest;
import dev.fleetnet.proto.v1.Route;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * ACME end to end: a real pebble (with pebble-challtestsrv as its DNS, every name at 127.0.0.1)
 * on loopback; pebble's HTTP-01 port is a socat relay into the lab's underlay namespace to host
 * 1's ingress port 80, so the validation request is answered by a real agent from its view. The
 * lab's controller orders a certificate for a route hostname, every agent serves it on 443, and
 * with {@code --acme-renew-before 3650d} (more than pebble's 5-year validity) every check renews
 * it, while an already open TLS connection keeps working.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcmeIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Pattern PEM = Pattern.compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----");
    private static final List<Process> processes = new ArrayList<>();
    private static String prefix;
    private static String internet;
    private static String host1;
    private static String host2;
    private static String name;
    private static Path dir;
    private static Path pebbleTlsCert;
    private static Path pebbleRoot;
    private static String intermediatePem;
    private static String managementUrl;
    private static LabFixture fixture;
    private static int relayPort;

    @BeforeAll
    static void start() throws Exception {
        prefix = LabFixture.newPrefix();
        LabLayout layout = new LabLayout(prefix, 2);
        internet = layout.underlayNamespace();
        host1 = layout.hostUnderlayAddress(1);
        host2 = layout.hostUnderlayAddress(2);
        name = "shop." + prefix + ".test";
        dir = Files.createTempDirectory("fleetnet-acme-it-" + prefix + "-");
        int acmePort = startPebble();
        fixture = LabFixture.start(prefix, 2, "30s", List.of(), List.of(
                "--acme-directory", "https://127.0.0.1:" + acmePort + "/dir", "--acme-ca-file", pebbleTlsCert.toString(),
                "--acme-check-interval", "2s", "--acme-renew-before", "3650d", "--acme-email", "ops@" + prefix + ".test"));
        pebbleRoot = dir.resolve("pebble-root.pem");
        Files.writeString(pebbleRoot, management("/roots/0"));
        intermediatePem = management("/intermediates/0");
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("shop").setHost("h2").addPorts(8080).build());
            Deadline.await("machine shop to run", DEADLINE, () -> fixture.runningMachines().stream().anyMatch(m -> m.getName().equals("shop")));
            processes.add(MachineServerLauncher.start(client, "shop", dir.resolve("shop.log")));
        }
    }

    /** Pebble, its DNS, and the socat relay its HTTP-01 validation goes through; returns the ACME port. */
    private static int startPebble() throws Exception {
        pebbleTlsCert = dir.resolve("pebble-tls.pem");
        Path key = dir.resolve("pebble-tls.key");
        Shell.Result made = Shell.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", pebbleTlsCert.toString(), "-days", "2", "-subj", "/CN=pebble " + prefix,
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
        assertThat(made.ok()).as(made.output()).isTrue();
        relayPort = freePort();
        Path relay = dir.resolve("relay.sh");
        Files.writeString(relay, "#!/bin/sh\nexec ip netns exec " + internet + " socat STDIO 'TCP6:[" + host1 + "]:80'\n");
        Files.setPosixFilePermissions(relay, PosixFilePermissions.fromString("rwx------"));
        start("socat", List.of("socat", "-d", "-d", "TCP-LISTEN:" + relayPort + ",bind=127.0.0.1,reuseaddr,fork", "EXEC:" + relay), Map.of());
        int dnsPort = freePort();
        start("challtestsrv", List.of("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:" + dnsPort,
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + freePort()), Map.of());
        int acmePort = freePort();
        int managementPort = freePort();
        managementUrl = "https://127.0.0.1:" + managementPort;
        Path config = dir.resolve("pebble-config.json");
        Files.writeString(config, """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """.formatted(acmePort, managementPort, pebbleTlsCert, key, relayPort, freePort()));
        // validate at once; never PEBBLE_VA_ALWAYS_VALID: the validation through the ingress is what is tested
        start("pebble", List.of("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort), Map.of("PEBBLE_VA_NOSLEEP", "1"));
        Deadline.await("pebble's directory", Duration.ofSeconds(30), () -> {
            processes.forEach(p -> assertThat(p.isAlive()).as("pebble/challtestsrv/socat alive; pebble log: " + log("pebble")).isTrue());
            return Shell.run(List.of("curl", "-sSf", "--max-time", "5", "--cacert", pebbleTlsCert.toString(),
                    "https://127.0.0.1:" + acmePort + "/dir")).ok();
        });
        return acmePort;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (Process p : processes) {
                // socat's forked relay children (ip netns exec ... socat) first: none may outlive the lab
                List<ProcessHandle> children = p.descendants().toList();
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                for (ProcessHandle child : children) {
                    child.onExit().get(30, TimeUnit.SECONDS);
                }
            }
            keepLogs();
        } finally {
            try {
                if (fixture != null) {
                    fixture.close();
                }
            } finally {
                if (dir != null) {
                    try (var paths = Files.walk(dir)) {
                        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    @Test
    @Order(1)
    void theRouteGetsAPebbleCertificateOrderedThroughTheIngressAndServedOverTls() throws Exception {
        try (FleetClient client = fixture.client()) {
            client.routes().addRoute(AddRouteRequest.newBuilder()
                    .setRoute(Route.newBuilder().setHostname(name).setMachine("shop").setPort(8080)).build());
        }
        String[] last = {""};
        Deadline.await("curl trusting only pebble's root to get the machine's answer over TLS from host 1", Duration.ofSeconds(90), () -> {
            last[0] = curlHttps(host1, "/first").output();
            return last[0].startsWith("hello from shop\npath=/first\n");
        }, () -> last[0]);

        X509Certificate intermediate = parse(intermediatePem).get(0);
        List<X509Certificate> served = servedChain(host1);
        assertThat(served.get(0).getIssuerX500Principal()).as("the leaf's issuer is pebble's intermediate")
                .isEqualTo(intermediate.getSubjectX500Principal());
        assertThat(served.get(0).getIssuerX500Principal().getName()).contains("Pebble Intermediate CA");
        served.get(0).verify(intermediate.getPublicKey());
        assertThat(served.get(0).getSubjectAlternativeNames()).anyMatch(san -> san.get(1).equals(name));

        // pebble validated HTTP-01 through the relay, i.e. host 1's ingress answered from its view
        String pebbleLog = log("pebble");
        assertThat(pebbleLog).contains("Added order")
                .contains("Attempting to validate w/ HTTP: http://" + name + ":" + relayPort + "/.well-known/acme-challenge/")
                .contains("set VALID by completed challenge");
        assertThat(log("socat")).as("pebble's validation connected through the relay to host 1's ingress").contains("accepting connection from");
    }

    @Test
    @Order(2)
    void everyAgentServesTheSameAcmeCertificateAndTheListSaysSo() {
        String[] seen = {""};
        Deadline.await("hosts 1 and 2 to serve the same certificate, the one `cert list` shows", DEADLINE, () -> {
            try (FleetClient client = fixture.client()) {
                String fp1 = fingerprint(servedChain(host1).get(0));
                String fp2 = fingerprint(servedChain(host2).get(0));
                List<CertificateInfo> listed = client.certificates().listCertificates(
                        ListCertificatesRequest.newBuilder().setHostname(name).build()).getCertificatesList();
                seen[0] = fp1 + " " + fp2 + " " + listed;
                return fp1.equals(fp2) && listed.stream().anyMatch(c -> c.getSource() == CertificateSource.CERTIFICATE_SOURCE_ACME
                        && c.getSha256Fingerprint().equals(fp1) && c.getIssuer().contains("Pebble Intermediate CA")
                        && c.getNamesList().contains(name));
            } catch (Exception notYet) {
                seen[0] = notYet.toString();
                return false;
            }
        }, () -> seen[0]);
        assertThat(curlHttps(host2, "/via-host-2").output()).startsWith("hello from shop\npath=/via-host-2\n");
    }

    @Test
    @Order(3)
    void noChallengeIsLeftInEtcd() throws Exception {
        try (Client etcd = Client.builder().endpoints(fixture.lab.state().etcdEndpoint()).build()) {
            ByteSequence challenges = ByteSequence.from("/fleetnet/v1/acme/challenges/", StandardCharsets.UTF_8);
            // renewals keep running (every check renews), so a challenge may exist for a moment: wait for a quiet one
            long[] count = {-1};
            Deadline.await("no acme/challenges/ key", DEADLINE, () -> {
                try {
                    count[0] = etcd.getKVClient().get(challenges, GetOption.builder().isPrefix(true).withCountOnly(true).build())
                            .get(10, TimeUnit.SECONDS).getCount();
                    return count[0] == 0;
                } catch (Exception e) {
                    return false;
                }
            }, () -> count[0] + " challenge keys");
        }
    }

    @Test
    @Order(4)
    void renewalChangesTheServedCertificateWhileAnOpenConnectionKeepsWorking() throws Exception {
        Process session = new ProcessBuilder("ip", "netns", "exec", internet, "openssl", "s_client", "-connect", "[" + host1 + "]:443",
                "-servername", name, "-showcerts", "-nocommands").redirectErrorStream(true).start();
        processes.add(session);
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = session.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException ignored) {
                // the session ended
            }
        });
        OutputStream in = session.getOutputStream();
        send(in, "/before-renewal");
        Deadline.await("the first response on the open connection", DEADLINE, () -> out.toString().contains("path=/before-renewal"), out::toString);
        String before = fingerprint(parse(out.toString()).get(0));

        String[] now = {""};
        Deadline.await("a renewed certificate to be served to new connections on hosts 1 and 2", DEADLINE, () -> {
            try {
                now[0] = fingerprint(servedChain(host1).get(0)) + " " + fingerprint(servedChain(host2).get(0));
                return !now[0].contains(before);
            } catch (Exception notYet) {
                now[0] = notYet.toString();
                return false;
            }
        }, () -> before + " -> " + now[0]);
        assertThat(curlHttps(host1, "/after-renewal").output()).startsWith("hello from shop\npath=/after-renewal\n");

        send(in, "/same-connection");
        Deadline.await("the second response on the connection opened before the renewal", DEADLINE,
                () -> out.toString().contains("path=/same-connection"), out::toString);
        assertThat(session.isAlive()).isTrue();
        assertThat(parse(out.toString())).as("one handshake on that connection (one chain printed), with the old certificate")
                .hasSameSizeAs(servedChain(host1)).extracting(AcmeIT::fingerprint).first().isEqualTo(before);
        assertThat(out.toString().split("HTTP/1.1 200", -1)).as("two responses on it").hasSize(3);
        session.destroyForcibly();
        session.waitFor();
        reader.join(5000);

        try (FleetClient client = fixture.client()) {
            CertificateInfo info = client.certificates().listCertificates(ListCertificatesRequest.newBuilder().setHostname(name).build())
                    .getCertificatesList().stream().filter(c -> c.getSource() == CertificateSource.CERTIFICATE_SOURCE_ACME).findFirst().orElseThrow();
            assertThat(info.getSha256Fingerprint()).isNotEqualTo(before);
            assertThat(info.getIssuer()).contains("Pebble Intermediate CA");
        }
        assertThat(log("pebble").lines().filter(l -> l.contains("Added order")).count()).as("pebble's orders").isGreaterThanOrEqualTo(2);
        assertThat(log("controller-lab")).contains("acme: ordered " + name).contains("acme: renewed " + name)
                .as("no order or renewal failed (e.g. pebble validating before the ingress had the challenge)")
                .doesNotContain("failed (attempt");
    }

    /** pebble's, challtestsrv's, socat's and the lab controller's logs, to target/acme-it-logs/ (the run's directory is removed). */
    private static void keepLogs() throws IOException {
        Path keep = Path.of("target", "acme-it-logs");
        Files.createDirectories(keep);
        for (String what : List.of("pebble", "challtestsrv", "socat", "controller-lab")) {
            Files.writeString(keep.resolve(what + ".log"), log(what));
        }
    }

    private static void send(OutputStream in, String path) throws IOException {
        in.write(("GET " + path + " HTTP/1.1\r\nHost: " + name + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
    }

    private static Shell.Result curlHttps(String host, String path) {
        return Shell.inNamespace(internet, "curl", "-sS", "--max-time", "10", "--cacert", pebbleRoot.toString(),
                "--resolve", name + ":443:[" + host + "]", "https://" + name + path);
    }

    /** The chain a new TLS connection to {@code host}:443 with SNI {@code name} is served. */
    private static List<X509Certificate> servedChain(String host) {
        Shell.Result result = Shell.run(List.of("bash", "-c", "ip netns exec " + internet + " openssl s_client -connect '[" + host + "]:443' -servername "
                + name + " -showcerts </dev/null 2>&1"));
        List<X509Certificate> chain = parse(result.output());
        if (chain.isEmpty()) {
            throw new IllegalStateException("no certificate from " + host + ": " + result.output());
        }
        return chain;
    }

    private static List<X509Certificate> parse(String text) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certs = new ArrayList<>();
            Matcher m = PEM.matcher(text);
            while (m.find()) {
                certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.US_ASCII))));
            }
            return certs;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String management(String path) {
        Shell.Result result = Shell.run(List.of("curl", "-sSf", "--max-time", "10", "--cacert", pebbleTlsCert.toString(), managementUrl + path));
        assertThat(result.ok()).as(result.output()).isTrue();
        return result.output();
    }

    private static void start(String what, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(what + ".log").toFile());
        builder.environment().remove("PEBBLE_VA_ALWAYS_VALID");
        builder.environment().putAll(env);
        processes.add(builder.start());
    }

    private static String log(String what) {
        try {
            if (what.equals("controller-lab") && fixture == null) {
                return "";
            }
            Path file = what.equals("controller-lab") ? fixture.lab.config().dir().resolve("controller.log") : dir.resolve(what + ".log");
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

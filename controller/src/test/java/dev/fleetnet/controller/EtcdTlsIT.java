package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.routing.IngressNaming;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller against an etcd that speaks only TLS and wants a client certificate
 * ({@code --client-cert-auth}) and, with its auth enabled, a user and password: certificates made
 * here, etcd 3.4 started with them, the controller given --etcd-ca/--etcd-cert/--etcd-key and the
 * password from a file.
 */
class EtcdTlsIT {
    private static final String PASSWORD = "etcd-tls-it-password";
    private static Path dir;
    private static Process etcd;
    private static String endpoint;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("fleetnet-etcd-tls-it-");
        KeyPair caKey = p256();
        X500Principal caName = new X500Principal("CN=etcd-tls-it CA");
        X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from(), until(), caName, caKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true)), caKey.getPrivate());
        KeyPair serverKey = p256();
        X509Certificate server = sign(new JcaX509v3CertificateBuilder(ca, BigInteger.TWO, from(), until(),
                new X500Principal("CN=etcd-tls-it server"), serverKey.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})), caKey.getPrivate());
        KeyPair clientKey = p256();
        X509Certificate client = sign(new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(3), from(), until(),
                new X500Principal("CN=root"), clientKey.getPublic())
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)), caKey.getPrivate());
        Files.writeString(dir.resolve("ca.pem"), Pem.certificate(ca));
        Files.writeString(dir.resolve("server.pem"), Pem.certificate(server));
        Files.writeString(dir.resolve("server-key.pem"), Pem.privateKey(serverKey.getPrivate()));
        Files.writeString(dir.resolve("client.pem"), Pem.certificate(client));
        Files.writeString(dir.resolve("client-key.pem"), Pem.privateKey(clientKey.getPrivate())); // for etcdctl
        Files.writeString(dir.resolve("password"), PASSWORD + "\n");

        endpoint = "https://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        etcd = new ProcessBuilder(List.of("etcd", "--name", "tls-it", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls-it=" + peer,
                "--cert-file", dir.resolve("server.pem").toString(), "--key-file", dir.resolve("server-key.pem").toString(),
                "--client-cert-auth", "--trusted-ca-file", dir.resolve("ca.pem").toString(), "--log-level", "error"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String health;
        while (!(health = etcdctl("endpoint", "health")).contains("is healthy")) {
            if (System.nanoTime() > deadline || !etcd.isAlive()) {
                throw new IllegalStateException("etcd with TLS did not start: etcdctl said " + health + "; etcd's log: "
                        + Files.readString(dir.resolve("etcd.log")));
            }
            Thread.sleep(100); // polling interval
        }
        etcdctl("user", "add", "root", "--new-user-password=" + PASSWORD, "--interactive=false"); // test-only etcd and password
        String enabled = etcdctl("auth", "enable");
        assertThat(enabled).contains("Authentication Enabled");
    }

    @AfterAll
    static void stop() throws Exception {
        if (etcd != null) {
            etcd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static ControllerConfig config(String name, EtcdSecurity security) {
        return new ControllerConfig(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), null, List.of(),
                List.of(endpoint), dir.resolve(name), "/tls-it/", new IngressNaming("fleet.test", 8080))
                .withEtcdSecurity(security);
    }

    @Test
    void theControllerWorksOverTlsWithAClientCertificateAndEtcdsPassword() throws Exception {
        EtcdSecurity security = new EtcdSecurity(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client-key.pem"), "root",
                Files.readString(dir.resolve("password")).strip().getBytes(StandardCharsets.UTF_8));
        try (Controller controller = Controller.start(config("ok", security));
                FleetClient client = FleetClient.connect(ApiEndpoint.of("127.0.0.1:" + controller.apiAddress().getPort(),
                        controller.apiCaFile().orElseThrow(), controller.adminTokenFile().orElseThrow()))) {
            client.networks().createNetwork(CreateNetworkRequest.newBuilder().setName("over-tls").build());
        }
        assertThat(etcdctl("--user", "root:" + PASSWORD, "get", "/tls-it/networks/over-tls", "--print-value-only")).contains("over-tls");
    }

    @Test
    void aWrongPasswordIsRefusedAtStartWithEtcdsReason() throws Exception {
        EtcdSecurity wrong = new EtcdSecurity(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client-key.pem"), "root",
                "not-the-password".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Controller.start(config("wrong", wrong)).close())
                .hasMessageStartingWith("etcd at " + endpoint + " refused the controller's credentials (expected: an --etcd-user and"
                        + " --etcd-password-file, or an --etcd-cert, that etcd accepts; etcd said: ");
    }

    @Test
    void httpsEndpointsWithoutACaAreRefusedBeforeConnecting() {
        assertThatThrownBy(() -> Controller.start(config("no-ca", EtcdSecurity.NONE)).close()).hasMessage("--etcd-endpoints: '" + endpoint
                + "' is https:// (expected: --etcd-ca FILE, the CA that signed etcd's certificate)");
    }

    private static String etcdctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints", endpoint, "--cacert", dir.resolve("ca.pem").toString(),
                "--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client-key.pem").toString(),
                "--dial-timeout", "2s", "--command-timeout", "5s"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ETCDCTL_API", "3");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(Duration.ofDays(2)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

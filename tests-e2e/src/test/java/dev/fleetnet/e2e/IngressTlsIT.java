package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.Route;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * TLS termination on a real 3-host lab, driven by the clients a user has: curl and
 * {@code openssl s_client} from the underlay ("the internet") against host 1's port 443, the
 * machine on host 3, certificates from the controller's fleet CA and from an upload, and
 * {@code testssl.sh} auditing the listener.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressTlsIT {
    private static final String SUFFIX = "fleet.internal";
    private static final Duration CERT_DEADLINE = Duration.ofSeconds(30);
    private static LabFixture fixture;
    private static String internet;
    private static String host1;
    private static String host2;
    private static Path dir;
    private static Path fleetCa;
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(3, "2s");
        internet = fixture.lab.layout().underlayNamespace();
        LabLayout layout = new LabLayout("x", 3);
        host1 = layout.hostUnderlayAddress(1);
        host2 = layout.hostUnderlayAddress(2);
        dir = Files.createTempDirectory("fleetnet-tls-it-");
        try (FleetClient client = fixture.client()) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h3").addPorts(8080).build());
            dev.fleetnet.lab.Lab.awaitAllRunning(client, 7); // the lab's 6 demo machines and web
            servers.add(MachineServerLauncher.start(client, "web", dir.resolve("web.log")));
            fleetCa = dir.resolve("fleet-ca.pem");
            Files.writeString(fleetCa, client.certificates().getFleetCa(GetFleetCaRequest.getDefaultInstance()).getCertificatePem());
            for (String hostname : List.of("shop.example.test", "api.example.test")) {
                client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname(hostname)
                        .setMachine("web").setPort(8080).setOwner("web")).build());
            }
            client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder().setHostname("secure.example.test")
                    .setMachine("web").setPort(8080).setOwner("web").setRedirectHttps(true)).build());
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        servers.forEach(Process::destroyForcibly);
        if (fixture != null) {
            fixture.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void theFleetCaVerifiesTheDefaultCertificateOnEveryHost() {
        for (String host : List.of(host1, host2)) {
            Deadline.await("web." + SUFFIX + " over https through " + host, CERT_DEADLINE,
                    () -> curlHttps("web." + SUFFIX, host, fleetCa, "/tls").output().startsWith("hello from web"));
            String body = curlHttps("web." + SUFFIX, host, fleetCa, "/tls").output();
            assertThat(body).contains("path=/tls").contains("x-forwarded-proto: https").contains("x-forwarded-port: 443")
                    .contains("proto=https");
        }
    }

    @Test
    @Order(2)
    void twoHostnamesGetTheirOwnCertificatesChosenByServerName() {
        Map<String, String> leaves = new HashMap<>();
        for (String hostname : List.of("shop.example.test", "api.example.test")) {
            Deadline.await("a verified certificate for " + hostname, CERT_DEADLINE,
                    () -> sClient(hostname, fleetCa).contains("Verify return code: 0 (ok)"));
            String out = sClient(hostname, fleetCa);
            assertThat(out).contains("subject=CN = " + hostname).contains("ALPN protocol: http/1.1");
            leaves.put(hostname, leafPem(out));
        }
        assertThat(leaves.get("shop.example.test")).isNotEqualTo(leaves.get("api.example.test"));
        assertThat(curlHttps("shop.example.test", host1, fleetCa, "/shop").output()).startsWith("hello from web");
    }

    @Test
    @Order(3)
    void anUnknownServerNameGetsTheUnrecognizedNameAlertAndNothingReachesTheMachine() throws Exception {
        long before = lines(dir.resolve("web.log"));
        String out = sClient("nowhere.example.test", fleetCa);
        assertThat(out).contains("alert number 112").doesNotContain("BEGIN CERTIFICATE");
        Shell.Result curl = curlHttps("nowhere.example.test", host1, fleetCa, "/unknown");
        assertThat(curl.exitCode()).as("curl: " + curl.output()).isNotZero();
        assertThat(curl.output()).contains("unrecognized name");
        assertThat(lines(dir.resolve("web.log"))).as("requests that reached the machine").isEqualTo(before);
        assertThat(Files.readString(dir.resolve("web.log"))).doesNotContain("/unknown");
    }

    @Test
    @Order(4)
    void anUploadedCertificateReplacesTheDefaultWithoutDroppingAnOpenKeepAliveConnection() throws Exception {
        Path customerCa = customerCertificate("shop.example.test");
        Process open = new ProcessBuilder("ip", "netns", "exec", internet, "openssl", "s_client", "-quiet",
                "-connect", "[" + host1 + "]:443", "-servername", "shop.example.test", "-CAfile", fleetCa.toString(),
                "-verify_return_error").redirectErrorStream(true).start();
        try {
            StringBuffer seen = new StringBuffer();
            Thread reader = Thread.ofPlatform().daemon().start(() -> copy(open, seen));
            OutputStream in = open.getOutputStream();
            in.write("GET /before-upload HTTP/1.1\r\nHost: shop.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            Deadline.await("the first response on the open connection", Duration.ofSeconds(10),
                    () -> seen.toString().contains("path=/before-upload"));

            try (FleetClient client = fixture.client()) {
                client.certificates().addCertificate(AddCertificateRequest.newBuilder().setHostname("shop.example.test")
                        .setCertificateChainPem(Files.readString(dir.resolve("shop.crt")))
                        .setPrivateKeyPem(Files.readString(dir.resolve("shop.key"))).build());
            }
            Deadline.await("new connections to get the uploaded certificate", CERT_DEADLINE,
                    () -> sClient("shop.example.test", customerCa).contains("Verify return code: 0 (ok)"));
            assertThat(sClient("shop.example.test", fleetCa)).doesNotContain("Verify return code: 0 (ok)");

            in.write("GET /after-upload HTTP/1.1\r\nHost: shop.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            Deadline.await("the second response on the same connection", Duration.ofSeconds(10),
                    () -> seen.toString().contains("path=/after-upload"));
            assertThat(open.isAlive()).as("the connection opened before the upload is still open").isTrue();
            reader.interrupt();
        } finally {
            open.destroyForcibly().waitFor();
        }
    }

    @Test
    @Order(5)
    void aRouteThatAsksForItRedirectsCleartextToHttpsAndOthersDoNot() throws Exception {
        String redirect = curl("-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: secure.example.test",
                "http://[" + host1 + "]/cart?id=7").output();
        assertThat(redirect).isEqualTo("308 https://secure.example.test/cart?id=7");
        assertThat(Files.readString(dir.resolve("web.log"))).as("the redirect is the ingress's own answer").doesNotContain("/cart");
        assertThat(curl("-s", "-H", "Host: shop.example.test", "http://[" + host1 + "]/plain").output()).startsWith("hello from web");
        Deadline.await("secure.example.test over https", CERT_DEADLINE,
                () -> curlHttps("secure.example.test", host1, fleetCa, "/cart").output().startsWith("hello from web"));
    }

    @Test
    @Order(6)
    void testsslFindsNoWeakProtocolOrCipherOffered() throws Exception {
        Path report = dir.resolve("testssl.json");
        Shell.Result run = Shell.inNamespace(internet, "testssl", "-6", "--quiet", "--color", "0", "--warnings", "off",
                "--protocols", "--std", "--jsonfile", report.toString(), "--ip", host1, "https://web." + SUFFIX + ":443");
        assertThat(Files.exists(report)).as("testssl ran: " + run.output()).isTrue();
        Map<String, String> findings = new HashMap<>();
        JsonArray entries = JsonParser.parseString(Files.readString(report)).getAsJsonArray();
        for (JsonElement e : entries) {
            JsonObject o = e.getAsJsonObject();
            findings.put(o.get("id").getAsString(), o.get("finding").getAsString());
        }
        for (String weak : List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1")) {
            assertThat(findings.get(weak)).as(weak).startsWith("not offered");
        }
        assertThat(findings.get("TLS1_2")).startsWith("offered");
        assertThat(findings.get("TLS1_3")).startsWith("offered");
        for (String weak : List.of("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                "cipherlist_3DES_IDEA", "cipherlist_AVERAGE")) {
            assertThat(findings.get(weak)).as(weak).startsWith("not offered");
        }
        assertThat(findings.get("cipherlist_STRONG")).startsWith("offered");
        assertThat(findings.get("ALPN")).isEqualTo("http/1.1");
    }

    /** A CA of the customer's and a leaf for {@code hostname} it signed; returns the CA file. */
    private static Path customerCertificate(String hostname) {
        Path ca = dir.resolve("customer-ca.pem");
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                "-subj", "/CN=customer test CA", "-keyout", dir.resolve("customer-ca.key").toString(), "-out", ca.toString());
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + hostname,
                "-keyout", dir.resolve("shop.key").toString(), "-out", dir.resolve("shop.csr").toString());
        run("openssl", "x509", "-req", "-in", dir.resolve("shop.csr").toString(), "-CA", ca.toString(), "-CAkey",
                dir.resolve("customer-ca.key").toString(), "-CAcreateserial", "-days", "30", "-out", dir.resolve("shop.crt").toString(),
                "-extfile", writeExt(hostname).toString());
        return ca;
    }

    private static Path writeExt(String hostname) {
        Path ext = dir.resolve("shop.ext");
        try {
            Files.writeString(ext, "subjectAltName=DNS:" + hostname + "\nextendedKeyUsage=serverAuth\n");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return ext;
    }

    private static void run(String... command) {
        Shell.Result result = Shell.run(List.of(command));
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.output()).isZero();
    }

    private static Shell.Result curlHttps(String hostname, String host, Path ca, String path) {
        return Shell.inNamespace(internet, "curl", "-sS", "--max-time", "10", "--cacert", ca.toString(), "--resolve",
                hostname + ":443:[" + host + "]", "https://" + hostname + path);
    }

    private static Shell.Result curl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", internet, "curl", "--max-time", "10"));
        argv.addAll(List.of(args));
        return Shell.run(argv);
    }

    /** What openssl s_client prints for one handshake with host 1 (stdin closed at once). */
    private static String sClient(String serverName, Path ca) {
        return Shell.inNamespace(internet, "openssl", "s_client", "-connect", "[" + host1 + "]:443", "-servername", serverName,
                "-CAfile", ca.toString(), "-verify_hostname", serverName, "-alpn", "http/1.1").output();
    }

    private static String leafPem(String sClientOutput) {
        int start = sClientOutput.indexOf("-----BEGIN CERTIFICATE-----");
        int end = sClientOutput.indexOf("-----END CERTIFICATE-----");
        return start < 0 || end < 0 ? "" : sClientOutput.substring(start, end);
    }

    private static void copy(Process process, StringBuffer into) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                into.append(line).append('\n');
            }
        } catch (java.io.IOException closed) {
            // the process ended
        }
    }

    private static long lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }
}

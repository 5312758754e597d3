package dev.fleetnet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.identity.HostCa;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.lab.Deadline;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.lab.LabState;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.JoinTokenInfo;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.SshCa;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10's host identity on a real 3-host lab: no process shows a secret (join tokens, host and
 * WireGuard keys, every CA's key, the API admin token); impostors of every
 * kind (another key with a good token, a forged certificate, one from another CA, an expired one
 * of the real host's key), each a real agent on the underlay, are refused with their reason while
 * every cross-host pair of machines keeps answering pings and nothing of the real host changes;
 * {@code host revoke} cuts a host off and every other host drops it as a WireGuard peer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostTrustIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** The impostor's address on the lab's underlay (hosts are fd01::1:1 ..). */
    private static final String IMPOSTOR_ADDRESS = "fd01::1:99";
    private static LabFixture fixture;
    private static Client etcd;

    @BeforeAll
    static void startLab() throws Exception {
        fixture = LabFixture.start(LabFixture.newPrefix("id"), 3, "30s", List.of(), List.of());
        etcd = Client.builder().endpoints(fixture.lab.state().etcdEndpoint()).build();
    }

    @AfterAll
    static void stopLab() {
        if (etcd != null) {
            etcd.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void noProcessOfTheLabShowsASecretAndSecretFilesAreOwnerOnly() throws Exception {
        Lab lab = fixture.lab;
        Map<String, String> secrets = new LinkedHashMap<>();
        for (int host = 1; host <= 3; host++) {
            String token = Files.readString(lab.tokenFile(host)).strip();
            secrets.put("h" + host + " join token", token);
            secrets.put("h" + host + " join token secret", JoinTokens.parse(token).secret());
            Path state = lab.agentStateDir(host);
            secrets.put("h" + host + " host key", pemBody(Files.readString(state.resolve("host.key"))));
            secrets.put("h" + host + " WireGuard key", Files.readString(state.resolve("private.key")).strip());
            for (Path file : List.of(lab.tokenFile(host), state.resolve("host.key"), state.resolve("private.key"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-------");
            }
        }
        secrets.put("API admin token", Files.readString(lab.adminTokenFile()).strip());
        Keys keys = new Keys("/fleetnet/v1/");
        secrets.put("host CA key", pemBody(Certificate.parseFrom(get(keys.hostCa()).getValue().getBytes()).getPrivateKeyPem()));
        secrets.put("fleet CA key", pemBody(Certificate.parseFrom(get(keys.fleetCa()).getValue().getBytes()).getPrivateKeyPem()));
        secrets.put("SSH CA key", pemBody(SshCa.parseFrom(get(keys.sshCa()).getValue().getBytes()).getPrivateKey()));
        secrets.put("API CA key", pemBody(Certificate.parseFrom(get(keys.apiCa()).getValue().getBytes()).getPrivateKeyPem()));

        Map<Long, String> processes = labProcesses();
        assertThat(processes.values()).as("etcd, the controller, 3 agents and their wireguard-go")
                .anyMatch(c -> c.startsWith("etcd ")).anyMatch(c -> c.contains("ControllerMain"))
                .anyMatch(c -> c.contains("wireguard-go"))
                .filteredOn(c -> c.contains("AgentMain")).hasSize(3);
        for (Map.Entry<Long, String> process : processes.entrySet()) {
            String environment = environ(process.getKey());
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                assertThat(process.getValue()).as("command line of pid " + process.getKey() + " shows the " + secret.getKey())
                        .doesNotContain(secret.getValue());
                assertThat(environment).as("environment of pid " + process.getKey() + " holds the " + secret.getKey())
                        .doesNotContain(secret.getValue());
            }
            assertThat(process.getValue()).doesNotContain("--join-token ");
            assertThat(environment).doesNotContain("FLEETNET_JOIN_TOKEN=");
        }
    }

    @Test
    @Order(2)
    void impostorsUnderARealHostsNameAreRefusedWhileEveryCrossHostPairKeepsAnsweringPings() throws Exception {
        Lab lab = fixture.lab;
        LabLayout layout = lab.layout();
        JoinTokenInfo anyHostToken;
        String tokenText;
        try (FleetClient client = fixture.client()) {
            var created = client.hostIdentity().createJoinToken(CreateJoinTokenRequest.newBuilder().setUses(1).build());
            tokenText = created.getToken();
            anyHostToken = created.getInfo();
        }
        Host h1Before = host("h1");
        long identityRevisions = newestModRevision("identity/");
        long hostRevisions = newestModRevision("hosts/");
        Path impostorDir = lab.config().dir().resolve("impostor");
        Path tokenFile = impostorDir.resolve("join-token");
        Files.createDirectories(impostorDir);
        Files.writeString(tokenFile, tokenText + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        Path state = impostorDir.resolve("state");

        // The lab waits for its machines to run, not for the mesh between them: every pair answers first, so what the
        // pings below show is that the impostors take nothing away (the lab of a full test run can converge later).
        assertThat(fixture.failingPairs(fixture.runningMachines(), DEADLINE)).as("pairs not answering before the impostors").isEmpty();
        List<PingRun> pings = crossHostPings();
        String namespace = layout.namePrefix() + "imp";
        attachImpostor(namespace, layout);
        Process impostor = null;
        try {
            // 1. a key of its own and a good token, under h1's name: refused at the join, the token not spent
            impostor = startImpostor(namespace, state, tokenFile, impostorDir.resolve("impostor-1.log"));
            awaitLog(impostorDir.resolve("impostor-1.log"), "the controller refused this agent (PERMISSION_DENIED: host 'h1':"
                    + " already joined with key " + shortKey(h1Before) + ", this request's key is ");
            stop(impostor);
            assertThat(state.resolve("host.crt")).as("no certificate for it").doesNotExist();
            KeyPair own = new KeyPair(HostCsr.publicKeyOf(IdentityPem.ecPrivateKey(Files.readString(state.resolve("host.key")))),
                    IdentityPem.ecPrivateKey(Files.readString(state.resolve("host.key"))));

            // 2. a certificate it made itself, with everything right but the signature
            Instant now = Instant.now();
            writeCertificate(state, forged(own, "h1", new X500Principal("CN=h1"), now));
            impostor = startImpostor(namespace, state, null, impostorDir.resolve("impostor-2.log"));
            awaitLog(impostorDir.resolve("impostor-2.log"), "the controller refused this agent (UNAUTHENTICATED: client certificate"
                    + " 'CN=h1': issued by 'CN=h1' (expected: the fleet host CA 'CN=fleetnet host CA ");
            stop(impostor);

            // 3. a certificate from another fleet's host CA
            HostCa other = HostCa.generate(now);
            writeCertificate(state, other.issueHost("h1", own.getPublic(), now));
            impostor = startImpostor(namespace, state, null, impostorDir.resolve("impostor-3.log"));
            awaitLog(impostorDir.resolve("impostor-3.log"), "the controller refused this agent (UNAUTHENTICATED: client certificate"
                    + " 'CN=h1': issued by '" + other.certificate().getSubjectX500Principal().getName() + "'");
            stop(impostor);

            // 4. h1's own key (copied off the host) with an expired certificate of this fleet's CA
            HostCa ours = HostCa.from(Certificate.parseFrom(get(new Keys("/fleetnet/v1/").hostCa()).getValue().getBytes()));
            PrivateKey h1Key = IdentityPem.ecPrivateKey(Files.readString(lab.agentStateDir(1).resolve("host.key")));
            Files.writeString(state.resolve("host.key"), IdentityPem.privateKey(h1Key));
            writeCertificate(state, ours.issueHost("h1", HostCsr.publicKeyOf(h1Key), now.minus(Duration.ofDays(400))));
            impostor = startImpostor(namespace, state, null, impostorDir.resolve("impostor-4.log"));
            awaitLog(impostorDir.resolve("impostor-4.log"), "the controller refused this agent (UNAUTHENTICATED: client certificate"
                    + " 'CN=h1' (serial ");
            assertThat(Files.readString(impostorDir.resolve("impostor-4.log"))).contains("): expired at ");
            stop(impostor);
            impostor = null;
        } finally {
            if (impostor != null) {
                impostor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            if (fixture.net.namespaces().contains(namespace)) {
                fixture.net.deleteNamespace(namespace);
            }
        }
        for (PingRun ping : pings) {
            ping.stop();
        }
        for (PingRun ping : pings) {
            assertThat(ping.lost()).as(ping.describe()).isLessThanOrEqualTo(1); // the one in flight when it was stopped
            assertThat(ping.transmitted()).as(ping.describe()).isGreaterThan(20);
        }

        assertThat(host("h1")).as("h1's record: same key, endpoint, connection").isEqualTo(h1Before);
        assertThat(newestModRevision("identity/")).as("no identity written or changed").isEqualTo(identityRevisions);
        assertThat(newestModRevision("hosts/")).as("no host record written").isEqualTo(hostRevisions);
        try (FleetClient client = fixture.client()) {
            assertThat(client.hostIdentity().listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensList())
                    .filteredOn(t -> t.getId().equals(anyHostToken.getId())).singleElement()
                    .satisfies(t -> assertThat(t.getUsed()).as("the impostor's token not spent").isZero());
        }
        for (int host = 2; host <= 3; host++) {
            assertThat(wgPeers(layout, host)).as("h" + host + "'s peer for h1").containsEntry(h1Before.getPublicKey(), h1Before.getEndpoint());
        }
        assertThat(fixture.failingPairs(fixture.runningMachines(), Duration.ofSeconds(20))).isEmpty();
    }

    @Test
    @Order(3)
    void revokingAHostCutsItOffAtOnceAndEveryOtherHostDropsItAsAPeer() throws Exception {
        Lab lab = fixture.lab;
        LabLayout layout = lab.layout();
        Host h3 = host("h3");
        assertThat(wgPeers(layout, 1)).containsKey(h3.getPublicKey());
        assertThat(wgPeers(layout, 2)).containsKey(h3.getPublicKey());

        LabFixture.CliResult revoke = fixture.cli("host", "revoke", "h3");
        assertThat(revoke.code()).as(revoke.err()).isZero();
        assertThat(revoke.out()).startsWith("host h3 revoked at ").contains(" refused from now on");

        for (int host = 1; host <= 2; host++) {
            int self = host;
            Deadline.await("h" + self + " to drop h3 as a peer", DEADLINE, () -> !wgPeers(layout, self).containsKey(h3.getPublicKey()),
                    () -> wgPeers(layout, self).toString());
        }
        Deadline.await("h3 to show disconnected", DEADLINE, () -> !host("h3").getConnected());
        awaitLog(fixture.agentLog(3), "the controller refused this agent (UNAUTHENTICATED: host 'h3': ");

        List<Machine> machines = fixture.runningMachines();
        List<Machine> kept = machines.stream().filter(m -> !m.getHost().equals("h3")).toList();
        assertThat(fixture.failingPairs(kept, Duration.ofSeconds(20))).as("h1 and h2 keep their mesh").isEmpty();
        Machine onH1 = kept.stream().filter(m -> m.getHost().equals("h1")).findFirst().orElseThrow();
        Machine onH3 = machines.stream().filter(m -> m.getHost().equals("h3")).findFirst().orElseThrow();
        assertThat(Shell.ping(onH1.getNetns(), onH3.getAddress())).as("h3 is cut off from the mesh").isFalse();
        assertThat(host("h3").getConnected()).as("and stays disconnected").isFalse();
    }

    // ---- the impostor: a real agent on the lab's underlay ----

    /** A namespace on the lab's underlay bridge, as a host's: its own address, nothing else. */
    private static void attachImpostor(String namespace, LabLayout layout) {
        String port = layout.namePrefix() + "i9";
        fixture.net.createNamespace(namespace);
        fixture.net.setUp(namespace, "lo");
        fixture.net.addVeth(port, LabLayout.HOST_UPLINK, namespace);
        fixture.net.moveLink(port, layout.underlayNamespace());
        fixture.net.setMaster(layout.underlayNamespace(), port, "br0");
        fixture.net.setUp(layout.underlayNamespace(), port);
        fixture.net.setUp(namespace, LabLayout.HOST_UPLINK);
        fixture.net.addAddress(namespace, LabLayout.HOST_UPLINK, IMPOSTOR_ADDRESS + "/64");
    }

    /** The real agent binary claiming to be h1, with the lab's CA file, its own state and no listeners. */
    private static Process startImpostor(String namespace, Path state, Path tokenFile, Path log) throws IOException {
        Lab lab = fixture.lab;
        String prefix = lab.layout().prefix();
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + namespace,
                ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED", "-Xmx96m",
                "-XX:+UseSerialGC", "-cp", lab.classpath("agent"), "dev.fleetnet.agent.AgentMain",
                "--host-name", "h1", "--controller", "[fd01::1]:7401", "--ca-file", lab.caFile(1).toString(),
                "--endpoint", "[" + IMPOSTOR_ADDRESS + "]:51820", "--mesh-interface", prefix + "wg9",
                "--netns-prefix", namespace + "-", "--state-dir", state.toString(),
                "--ingress-listen", "none", "--ingress-tls-listen", "none", "--ssh-listen", "none", "--dns-listen", "none",
                "--admin-listen", "none"));
        if (tokenFile != null) {
            command.addAll(List.of("--join-token-file", tokenFile.toString()));
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void writeCertificate(Path state, X509Certificate certificate) throws IOException {
        Files.writeString(state.resolve("host.crt"), IdentityPem.certificate(certificate));
    }

    /** A host certificate for {@code host} with everything right (CN, SAN URI, clientAuth) but signed by {@code key} itself. */
    private static X509Certificate forged(KeyPair key, String host, X500Principal issuer, Instant now) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(7),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))), new X500Principal("CN=" + host),
                key.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, HostNames.uri(host))))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    // ---- pings that run through the attempts ----

    /** One ping process per ordered pair of hosts (a machine on each), every 0.2 s until stopped. */
    private static List<PingRun> crossHostPings() {
        List<Machine> machines = fixture.runningMachines();
        List<Machine> onePerHost = new ArrayList<>();
        Set<String> hosts = new HashSet<>();
        for (Machine m : machines) {
            if (hosts.add(m.getHost())) {
                onePerHost.add(m);
            }
        }
        assertThat(onePerHost).hasSize(3);
        List<PingRun> runs = new ArrayList<>();
        for (Machine from : onePerHost) {
            for (Machine to : onePerHost) {
                if (from != to) {
                    runs.add(PingRun.start(from, to));
                }
            }
        }
        return runs;
    }

    // ---- reading the lab ----

    private static Host host(String name) {
        try (FleetClient client = fixture.client()) {
            return client.hosts().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
                    .filter(h -> h.getName().equals(name)).findFirst().orElseThrow();
        }
    }

    private static String shortKey(Host host) throws Exception {
        var identity = get(new Keys("/fleetnet/v1/").hostIdentity(host.getName()));
        String sha = dev.fleetnet.proto.v1.HostIdentity.parseFrom(identity.getValue().getBytes()).getKeySha256();
        return "SHA256:" + sha.substring(0, 16);
    }

    /** {@code wg show IFACE dump} on host {@code host}: each peer's public key and endpoint. */
    private static Map<String, String> wgPeers(LabLayout layout, int host) {
        Shell.Result dump = Shell.inNamespace(layout.hostNamespace(host), "wg", "show", layout.meshInterface(host), "dump");
        assertThat(dump.ok()).as(dump.output()).isTrue();
        Map<String, String> peers = new LinkedHashMap<>();
        List<String> lines = dump.output().lines().toList();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split("\t");
            peers.put(fields[0], fields[2]);
        }
        return peers;
    }

    private static KeyValue get(String key) throws Exception {
        List<KeyValue> kvs = etcd.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getKvs();
        assertThat(kvs).as(key).hasSize(1);
        return kvs.get(0);
    }

    /** The newest change under {@code /fleetnet/v1/<prefix>}: unchanged means nothing under it was written. */
    private static long newestModRevision(String prefix) throws Exception {
        return etcd.getKVClient().get(ByteSequence.from("/fleetnet/v1/" + prefix, StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs().stream()
                .mapToLong(KeyValue::getModRevision).max().orElse(0);
    }

    /** Every process of this lab: the ones it recorded, their descendants, and any naming its directory or prefix. */
    private static Map<Long, String> labProcesses() throws IOException {
        LabState state = fixture.lab.state();
        Set<Long> pids = new HashSet<>();
        for (long pid : state.pids().values()) {
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        }
        String dir = fixture.lab.config().dir().toString();
        String prefix = fixture.prefix;
        Map<Long, String> processes = new LinkedHashMap<>();
        try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
            for (Path p : proc.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                String cmdline = cmdline(pid);
                if (pids.contains(pid) || cmdline.contains(dir) || cmdline.contains(prefix + "wg") || cmdline.contains(prefix + "-")) {
                    processes.put(pid, cmdline);
                }
            }
        }
        return processes;
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
            return "";
        }
    }

    private static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8).replace('\0', '\n');
        } catch (IOException gone) {
            return "";
        }
    }

    /**
     * 48 characters from the middle of a PEM block's (or OpenSSH key's) base64 body: what would
     * show if the key were on a command line (the start is a header every key of its kind shares).
     */
    private static String pemBody(String pem) {
        StringBuilder body = new StringBuilder();
        pem.lines().filter(l -> !l.startsWith("-----")).forEach(body::append);
        int middle = body.length() / 2;
        return body.substring(Math.max(0, middle - 24), Math.min(body.length(), middle + 24));
    }

    private static void awaitLog(Path log, String text) {
        Deadline.await("'" + text + "' in " + log, DEADLINE, () -> {
            try {
                return Files.exists(log) && Files.readString(log).contains(text);
            } catch (IOException e) {
                return false;
            }
        }, () -> {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            } catch (IOException e) {
                return e.toString();
            }
        });
    }
}

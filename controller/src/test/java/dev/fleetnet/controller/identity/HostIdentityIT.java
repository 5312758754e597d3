package dev.fleetnet.controller.identity;

import static dev.fleetnet.controller.store.Keys.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.Controller;
import dev.fleetnet.controller.ControllerConfig;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.Ack;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.ListJoinTokensResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.RekeyHostRequest;
import dev.fleetnet.proto.v1.RevokeHostRequest;
import dev.fleetnet.proto.v1.StatusReport;
import dev.fleetnet.routing.IngressNaming;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Host identity end to end on one controller (real etcd, real TLS on loopback): joins and what
 * refuses them, and every kind of certificate that does not prove a host, each refused with its
 * message and with etcd's revision unchanged by the attempt.
 */
class HostIdentityIT {
    private static final String ENDPOINT = "[fd01::9]:51820";
    private EtcdProcess etcd;
    private Controller controller;
    private Client client;
    private FleetClient api;
    private FleetStore store;
    private X509Certificate ca;
    private String target;
    private Path dataDir;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdProcess.start();
        dataDir = Files.createTempDirectory("fleetnet-identity-it-");
        controller = Controller.start(new ControllerConfig(new InetSocketAddress("127.0.0.1", freePort()),
                new InetSocketAddress("127.0.0.1", freePort()), null, List.of(), List.of(etcd.endpoint()),
                dataDir, "/fleetnet/v1/", new IngressNaming("fleet.internal", 8080)));
        client = Client.builder().endpoints(etcd.endpoint()).build();
        store = new FleetStore(client, new Keys("/fleetnet/v1/"));
        api = FleetClient.connect(ApiEndpoint.of("127.0.0.1:" + controller.apiAddress().getPort(),
                controller.apiCaFile().orElseThrow(), controller.adminTokenFile().orElseThrow()));
        ca = IdentityPem.certificates(api.hostIdentity().getHostCa(GetHostCaRequest.getDefaultInstance()).getCertificatePem()).get(0);
        target = "127.0.0.1:" + controller.agentAddress().getPort();
        // the controller's own first write (the fleet certificate of *.fleet.internal) lands before any revision is compared
        await("the controller to settle", () -> !client.getKVClient().get(bytes("/fleetnet/v1/certs/fleet/"),
                GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs().isEmpty());
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        for (AutoCloseable resource : new AutoCloseable[] {api, controller, client, etcd}) {
            if (resource != null) {
                resource.close();
            }
        }
        if (dataDir != null) {
            try (var paths = Files.walk(dataDir)) { // the controller's admin token and API CA files
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void aHostJoinsOnceWithItsOwnKeyAndThenSpeaksOverMutualTlsForItselfOnly() throws Exception {
        KeyPair key = HostCsr.generateKey();
        String token = token("", 1);
        X509Certificate certificate = TestHosts.join(joinChannel(), key, "h1", token);
        assertThat(HostNames.hostOf(certificate)).isEqualTo("h1");
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=h1");
        assertThat(certificate.getPublicKey()).as("the host's own key, sent only as its public half").isEqualTo(key.getPublic());
        certificate.verify(ca.getPublicKey());
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");

        ListJoinTokensResponse tokens = api.hostIdentity().listJoinTokens(ListJoinTokensRequest.getDefaultInstance());
        assertThat(tokens.getTokensList()).singleElement().satisfies(t -> {
            assertThat(t.getUsed()).isEqualTo(1);
            assertThat(t.getUses()).isEqualTo(1);
        });
        assertThat(tokens.toString()).as("a listing shows no secret").doesNotContain(JoinTokens.parse(token).secret());
        JoinToken stored = JoinToken.parseFrom(client.getKVClient().get(bytes("/fleetnet/v1/identity/tokens/" + JoinTokens.parse(token).id()))
                .get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().getBytes());
        assertThat(stored.toString()).as("etcd keeps only the secret's SHA-256").doesNotContain(JoinTokens.parse(token).secret());
        assertThat(stored.getSecretSha256()).isEqualTo(ByteString.copyFrom(JoinTokens.parse(token).secretSha256()));

        TestHosts.Stream h1 = new TestHosts.Stream(mtls(key.getPrivate(), certificate), ENDPOINT);
        assertThat(h1.next().getWelcome().getHostNumber()).isEqualTo(1);
        assertThat(h1.next().getFullView().getHostName()).isEqualTo("h1");

        // a report about another host's machine is not taken: the stream speaks for h1 only
        store.joinHost("h2", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "[fd01::2]:51820");
        store.createMachine(Machine.newBuilder().setName("web").setHost("h2").setNetwork("default")
                .setBackend(Backend.BACKEND_NETNS).setDesiredState(MachineState.MACHINE_STATE_RUNNING).build());
        h1.out.onNext(AgentMessage.newBuilder().setStatus(StatusReport.newBuilder().addMachines(MachineStatus.newBuilder()
                .setName("web").setState(MachineState.MACHINE_STATE_FAILED).setMessage("forged"))).build());
        h1.out.onNext(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(7)).build()); // handled after the report
        await("h1's ack recorded", () -> store.host("h1").getAppliedRevision() == 7);
        assertThat(store.machine("web").getState()).isNotEqualTo(MachineState.MACHINE_STATE_FAILED);
        assertThat(store.host("h2").getAppliedRevision()).isZero();
    }

    @Test
    void aWrongUnknownOrMalformedTokenIsRefusedAndWritesNothing() throws Exception {
        JoinTokens.Token real = JoinTokens.parse(token("", 1));
        String wrongSecret = "fnj." + real.id() + "." + JoinTokens.generate().secret();
        JoinTokens.Token unknown = JoinTokens.generate();
        KeyPair key = HostCsr.generateKey();
        long before = revision();
        assertRefused(() -> TestHosts.join(joinChannel(), key, "h1", wrongSecret), Status.Code.UNAUTHENTICATED,
                "join token " + real.id() + ": wrong secret (expected: the token exactly as `fleetnet host token create` printed it)");
        assertRefused(() -> TestHosts.join(joinChannel(), key, "h1", unknown.text()), Status.Code.UNAUTHENTICATED,
                "join token " + unknown.id() + ": unknown (expected: a token from `fleetnet host token create` that was not revoked)");
        assertRefused(() -> TestHosts.join(joinChannel(), key, "h1", "let-me-in"), Status.Code.UNAUTHENTICATED,
                "join token: malformed (9 characters; expected: fnj.ID.SECRET as `fleetnet host token create` prints it, 56 characters)");
        assertThat(revision()).as("nothing written").isEqualTo(before);
    }

    @Test
    void aSpentAnExpiredAndAnotherHostsTokenAreRefusedAndWriteNothing() throws Exception {
        String once = token("", 1);
        TestHosts.join(joinChannel(), HostCsr.generateKey(), "h1", once);
        JoinTokens.Token expired = JoinTokens.generate();
        long now = Instant.now().getEpochSecond();
        assertThat(new IdentityStore(client, store.keys()).createToken(JoinToken.newBuilder().setId(expired.id())
                .setSecretSha256(ByteString.copyFrom(expired.secretSha256())).setCreatedEpochSeconds(now - 7200)
                .setExpiresEpochSeconds(now - 3600).setUses(1).build())).isTrue();
        String forH3 = token("h3", 1);

        long before = revision();
        assertRefused(() -> TestHosts.join(joinChannel(), HostCsr.generateKey(), "h2", once), Status.Code.UNAUTHENTICATED,
                "join token " + JoinTokens.parse(once).id() + ": spent, used 1 of 1 times (expected: a token with a use left; create a new one)");
        assertRefused(() -> TestHosts.join(joinChannel(), HostCsr.generateKey(), "h2", expired.text()), Status.Code.UNAUTHENTICATED,
                "join token " + expired.id() + ": expired at " + Instant.ofEpochSecond(now - 3600)
                        + " (expected: a token used within its --ttl; create a new one)");
        assertRefused(() -> TestHosts.join(joinChannel(), HostCsr.generateKey(), "h2", forH3), Status.Code.PERMISSION_DENIED,
                "join token " + JoinTokens.parse(forH3).id() + ": bound to host 'h3', not 'h2' (expected: a join as 'h3', or a"
                        + " token created for 'h2')");
        assertThat(revision()).as("nothing written").isEqualTo(before);
    }

    @Test
    void aSecondAgentWithAnotherKeyUnderAnExistingNameIsRefusedWhileTheRealHostStaysConnected() throws Exception {
        KeyPair real = HostCsr.generateKey();
        X509Certificate certificate = TestHosts.join(joinChannel(), real, "h1", token("", 1));
        TestHosts.Stream h1 = new TestHosts.Stream(mtls(real.getPrivate(), certificate), ENDPOINT);
        h1.next(); // welcome
        h1.next(); // full view
        Host before = api.hosts().getHost(GetHostRequest.newBuilder().setName("h1").build());
        KeyPair impostor = HostCsr.generateKey();
        String token = token("", 5);

        long revision = revision();
        assertRefused(() -> TestHosts.join(joinChannel(), impostor, "h1", token), Status.Code.PERMISSION_DENIED,
                "host 'h1': already joined with key " + JoinPolicy.shortKey(HostNames.keySha256(real.getPublic()))
                        + ", this request's key is " + JoinPolicy.shortKey(HostNames.keySha256(impostor.getPublic()))
                        + " (expected: the host's own key, or `fleetnet host rekey h1` / a token created with --host h1 to let"
                        + " another key replace it)");
        assertThat(revision()).as("nothing written: the token not spent, the identity not touched").isEqualTo(revision);
        assertThat(h1.end(Duration.ofMillis(200))).as("the real host's stream goes on").isNull();
        assertThat(api.hosts().getHost(GetHostRequest.newBuilder().setName("h1").build())).isEqualTo(before);
    }

    @Test
    void certificatesThatDoNotProveTheHostAreRefusedAtStreamStartWithTheirReasonAndWriteNothing() throws Exception {
        KeyPair real = HostCsr.generateKey();
        X509Certificate joined = TestHosts.join(joinChannel(), real, "h1", token("", 1));
        KeyPair impostor = HostCsr.generateKey();
        Instant now = Instant.now();
        String caName = ca.getSubjectX500Principal().getName();
        HostCa other = HostCa.generate(now);
        HostCa ours = HostCa.from(new IdentityStore(client, store.keys()).hostCa());

        long before = revision();
        assertStreamRefused(impostor.getPrivate(), TestHosts.forged(impostor, "h1", new X500Principal("CN=h1"), now.minusSeconds(60),
                now.plusSeconds(3600)), "client certificate 'CN=h1': issued by 'CN=h1' (expected: the fleet host CA '" + caName
                + "'; a certificate from this fleet's join)");
        assertStreamRefused(impostor.getPrivate(), TestHosts.forged(impostor, "h1", ca.getSubjectX500Principal(), now.minusSeconds(60),
                now.plusSeconds(3600)), "client certificate 'CN=h1': names the fleet host CA '" + caName + "' as its issuer but its"
                + " signature does not verify with that CA's key (expected: a certificate the fleet host CA signed; this one is forged)");
        String otherName = other.certificate().getSubjectX500Principal().getName();
        assertStreamRefused(impostor.getPrivate(), other.issueHost("h1", impostor.getPublic(), now),
                "client certificate 'CN=h1': issued by '" + otherName + "' (expected: the fleet host CA '" + caName
                        + "'; a certificate from this fleet's join)");
        X509Certificate expired = ours.issueHost("h1", real.getPublic(), now.minus(Duration.ofDays(400)));
        assertStreamRefused(real.getPrivate(), expired, "client certificate 'CN=h1' (serial " + HostNames.serial(expired)
                + "): expired at " + expired.getNotAfter().toInstant() + " (expected: valid now, ");
        assertStreamRefused(null, null, "client certificate: none (expected: this host's certificate from the fleet host CA;"
                + " an agent without one joins first, with a join token)");
        assertStreamRefused(impostor.getPrivate(), ours.issueHost("h9", impostor.getPublic(), now),
                "host 'h9': no identity in this fleet (expected: a host that joined this fleet with a join token)");
        assertThat(revision()).as("nothing written by any of them").isEqualTo(before);
        assertThat(store.host("h1")).as("h1 never got a session from them").isNull();

        TestHosts.Stream h1 = new TestHosts.Stream(mtls(real.getPrivate(), joined), ENDPOINT);
        assertThat(h1.next().hasWelcome()).as("the real certificate still works").isTrue();
    }

    @Test
    void aRevokedHostIsCutOffAtOnceAndComesBackOnlyWithANewKeyAndATokenForIt() throws Exception {
        KeyPair key = HostCsr.generateKey();
        X509Certificate certificate = TestHosts.join(joinChannel(), key, "h1", token("", 1));
        TestHosts.Stream h1 = new TestHosts.Stream(mtls(key.getPrivate(), certificate), ENDPOINT);
        h1.next(); // welcome
        h1.next(); // full view
        String boundBefore = token("h1", 2); // a token made for h1 before the revocation must not bring it back

        var revoked = api.hostIdentity().revokeHost(RevokeHostRequest.newBuilder().setName("h1").build());
        Status ended = h1.end(Duration.ofSeconds(20));
        assertThat(ended).as("the stream is closed at once").isNotNull();
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(ended.getDescription()).startsWith("host 'h1': revoked at " + Instant.ofEpochSecond(revoked.getRevokedEpochSeconds()));
        await("h1 disconnected", () -> !store.host("h1").getConnected());

        String anyHostToken = token("", 5);
        KeyPair fresh = HostCsr.generateKey();
        long before = revision();
        assertStreamRefused(key.getPrivate(), certificate, "host 'h1': certificate serial " + HostNames.serial(certificate)
                + " was revoked at " + Instant.ofEpochSecond(revoked.getRevokedEpochSeconds()) + " (expected: a certificate not on"
                + " the revocation list; the host joins again with a new key after `fleetnet host rekey h1` or with a token"
                + " created with --host h1)");
        assertRefused(() -> TestHosts.join(joinChannel(), key, "h1", anyHostToken), Status.Code.PERMISSION_DENIED,
                "host 'h1': key " + JoinPolicy.shortKey(HostNames.keySha256(key.getPublic())) + " was revoked at "
                        + Instant.ofEpochSecond(revoked.getRevokedEpochSeconds()) + " (expected: a new key pair, joined after"
                        + " `fleetnet host rekey h1` or with a token created with --host h1)");
        assertRefused(() -> TestHosts.join(joinChannel(), fresh, "h1", anyHostToken), Status.Code.PERMISSION_DENIED,
                "host 'h1': revoked at " + Instant.ofEpochSecond(revoked.getRevokedEpochSeconds()) + " (expected: `fleetnet host"
                        + " rekey h1` or a token created with --host h1 before it joins again)");
        assertRefused(() -> TestHosts.join(joinChannel(), fresh, "h1", boundBefore), Status.Code.UNAUTHENTICATED,
                "join token " + JoinTokens.parse(boundBefore).id() + ": unknown (expected: a token from `fleetnet host token create`"
                        + " that was not revoked)");
        assertThat(revision()).as("nothing written by any of them").isEqualTo(before);

        X509Certificate back = TestHosts.join(joinChannel(), fresh, "h1", token("h1", 1));
        TestHosts.Stream again = new TestHosts.Stream(mtls(fresh.getPrivate(), back), ENDPOINT);
        assertThat(again.next().getWelcome().getHostNumber()).as("the same host, back with a new key").isEqualTo(1);
    }

    @Test
    void rekeyLetsTheNextJoinReplaceTheKeyAndTheOldCertificateIsRefusedFromThenOn() throws Exception {
        KeyPair old = HostCsr.generateKey();
        X509Certificate oldCertificate = TestHosts.join(joinChannel(), old, "h1", token("", 1));
        TestHosts.Stream h1 = new TestHosts.Stream(mtls(old.getPrivate(), oldCertificate), ENDPOINT);
        h1.next(); // welcome
        h1.next(); // full view

        assertThat(api.hostIdentity().rekeyHost(RekeyHostRequest.newBuilder().setName("h1").build()).getRekeyAllowed()).isTrue();
        KeyPair fresh = HostCsr.generateKey();
        X509Certificate replaced = TestHosts.join(joinChannel(), fresh, "h1", token("", 1));
        Status ended = h1.end(Duration.ofSeconds(20));
        assertThat(ended).as("the old key's stream is closed").isNotNull();
        assertThat(ended.getDescription()).startsWith("host 'h1': another key (" + JoinPolicy.shortKey(HostNames.keySha256(fresh.getPublic())));
        // the client hears of the end before the controller deletes the old session's key: that write is not the refusal's
        await("the old session's key deleted", () -> !store.host("h1").getConnected());

        long before = revision();
        assertStreamRefused(old.getPrivate(), oldCertificate, "host 'h1': certificate key "
                + JoinPolicy.shortKey(HostNames.keySha256(old.getPublic())) + " is not the host's key "
                + JoinPolicy.shortKey(HostNames.keySha256(fresh.getPublic())) + " (expected: the certificate of the host's latest"
                + " join; another key joined under this name since)");
        assertThat(revision()).isEqualTo(before);
        assertRefused(() -> TestHosts.join(joinChannel(), old, "h1", token("", 1)), Status.Code.PERMISSION_DENIED,
                "host 'h1': already joined with key " + JoinPolicy.shortKey(HostNames.keySha256(fresh.getPublic())));
        assertThat(new TestHosts.Stream(mtls(fresh.getPrivate(), replaced), ENDPOINT).next().hasWelcome()).isTrue();
    }

    @Test
    void aHostRenewsItsCertificateForItsOwnKeyOverItsStream() throws Exception {
        KeyPair key = HostCsr.generateKey();
        X509Certificate first = TestHosts.join(joinChannel(), key, "h1", token("", 1));
        TestHosts.Stream h1 = new TestHosts.Stream(mtls(key.getPrivate(), first), ENDPOINT);
        h1.next(); // welcome
        h1.next(); // full view
        h1.out.onNext(AgentMessage.newBuilder().setRenewHostCertificate(ByteString.copyFrom(HostCsr.create(key, "h1"))).build());
        X509Certificate renewed = IdentityPem.certificates(h1.next().getHostCertificate()).get(0);
        assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(renewed.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(HostNames.hostOf(renewed)).isEqualTo("h1");
        assertThat(new TestHosts.Stream(mtls(key.getPrivate(), renewed), ENDPOINT).next().hasWelcome()).isTrue();

        long before = revision();
        h1.out.onNext(AgentMessage.newBuilder().setRenewHostCertificate(ByteString.copyFrom(HostCsr.create(HostCsr.generateKey(), "h1")))
                .build());
        h1.out.onNext(AgentMessage.newBuilder().setRenewHostCertificate(ByteString.copyFrom(HostCsr.create(key, "h2"))).build());
        h1.out.onNext(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(3)).build()); // after both, in order
        await("the ack behind them", () -> store.host("h1").getAppliedRevision() == 3);
        assertThat(h1.received).as("no certificate for another key or another host").isEmpty();
        assertThat(revision()).as("only the ack was written").isEqualTo(before + 1);
    }

    @Test
    void controllersStartingTogetherEndWithOneHostCa() throws Exception {
        IdentityStore race = new IdentityStore(client, new Keys("/host-ca-race/"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<HostCa>> starts = pool.invokeAll(java.util.Collections.nCopies(4,
                    (Callable<HostCa>) () -> HostCa.loadOrCreate(race, Clock.systemUTC())));
            String first = starts.get(0).get().certificatePem();
            for (Future<HostCa> start : starts) {
                assertThat(start.get().certificatePem()).isEqualTo(first);
            }
            assertThat(HostCa.loadOrCreate(race, Clock.systemUTC()).certificatePem()).as("a later start loads it").isEqualTo(first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void hostsJoiningTogetherNeverSpendAUseTwice() throws Exception {
        String token = token("", 3);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> joins = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                String host = "h" + i;
                ManagedChannel channel = joinChannel();
                joins.add(pool.submit(() -> {
                    try {
                        TestHosts.join(channel, HostCsr.generateKey(), host, token);
                        return true;
                    } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getDescription()).contains(": spent, used 3 of 3 times");
                        return false;
                    }
                }));
            }
            int joined = 0;
            for (Future<Boolean> join : joins) {
                joined += join.get() ? 1 : 0;
            }
            assertThat(joined).as("a 3-use token admits 3 hosts").isEqualTo(3);
            assertThat(new IdentityStore(client, store.keys()).identities()).hasSize(3);
            assertThat(api.hostIdentity().listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokens(0).getUsed()).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }

    private void assertStreamRefused(PrivateKey key, X509Certificate certificate, String message) throws Exception {
        TestHosts.Stream stream = new TestHosts.Stream(mtls(key, certificate), ENDPOINT);
        Status status = stream.end(Duration.ofSeconds(20));
        assertThat(status).as("refused: " + message).isNotNull();
        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).startsWith(message);
        assertThat(stream.received).as("nothing sent to a refused stream").isEmpty();
    }

    private static void assertRefused(ThrowingRunnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(String.valueOf(e.getStatus())).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).startsWith(message);
        });
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private String token(String host, int uses) {
        return api.hostIdentity().createJoinToken(CreateJoinTokenRequest.newBuilder().setHost(host).setUses(uses).build()).getToken();
    }

    private ManagedChannel joinChannel() throws Exception {
        return mtls(null, null);
    }

    private ManagedChannel mtls(PrivateKey key, X509Certificate certificate) throws Exception {
        ManagedChannel channel = TestHosts.channel(target, ca, key, certificate);
        channels.add(channel);
        return channel;
    }

    private long revision() throws Exception {
        return client.getKVClient().get(bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static void await(String what, Check condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20); // polling interval
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package dev.fleetnet.ingress.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.ssh.SshKeys;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH ingress against MINA's own client, on loopback, with commands run on this machine (no namespaces). */
class SshIngressTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final KeyPair CA = SshKeys.generateEd25519();
    private static final KeyPair ALICE = SshKeys.generateEd25519();
    private static final KeyPair BOB = SshKeys.generateEd25519();
    @TempDir
    Path dir;
    private SshIngress ingress;
    private SshClient client;
    private final AtomicReference<PublicKey> serverKey = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        ingress = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.1", 0), dir.resolve("host_key"),
                SshIngressConfig.NamespaceEntry.none()));
        ingress.update(view(true, true));
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, key) -> {
            serverKey.set(key);
            return true;
        });
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        ingress.close();
    }

    private static HostView view(boolean webRunning, boolean withBob) {
        SshTrust.Builder trust = SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic()))
                .addKeys(SshUserKey.newBuilder().setName("alice").setPublicKey(SshKeys.line(ALICE.getPublic()))
                        .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("web"));
        if (withBob) {
            trust.addKeys(SshUserKey.newBuilder().setName("bob").setPublicKey(SshKeys.line(BOB.getPublic()))
                    .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("db"));
        }
        return HostView.newBuilder().setRevision(1).setHostName("h1")
                .addMachines(MachineSpec.newBuilder().setName("web").setBackend(Backend.BACKEND_NETNS).setRunning(webRunning)
                        .setAddress("::1"))
                .addDirectory(FleetMachine.newBuilder().setName("web").setHost("h1").setRunning(webRunning).setAddress("::1"))
                .addDirectory(FleetMachine.newBuilder().setName("db").setHost("h2").setRunning(true))
                .setSsh(trust).build();
    }

    private ClientSession login(String user, KeyPair identity) throws Exception {
        ClientSession session = client.connect(user, ingress.address()).verify(WAIT).getSession();
        session.addPublicKeyIdentity(identity);
        session.auth().verify(WAIT);
        return session;
    }

    private record Result(String out, String err, Integer status) {}

    private static Result exec(ClientSession session, String command, boolean pty) throws Exception {
        try (ChannelExec channel = session.createExecChannel(command)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            channel.setOut(out);
            channel.setErr(err);
            channel.setUsePty(pty);
            if (pty) {
                channel.setPtyColumns(123);
                channel.setPtyLines(45);
            }
            channel.open().verify(WAIT);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
            return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), channel.getExitStatus());
        }
    }

    @Test
    void aCommandsOutputAndExitStatus() throws Exception {
        try (ClientSession session = login("web", ALICE)) {
            Result r = exec(session, "echo hi; echo oops >&2; exit 3", false);
            assertThat(r.out()).isEqualTo("hi\n");
            assertThat(r.err()).isEqualTo("oops\n");
            assertThat(r.status()).isEqualTo(3);
        }
    }

    @Test
    void aPtySeesTheWindowSize() throws Exception {
        try (ClientSession session = login("web", ALICE)) {
            Result r = exec(session, "stty size", true);
            assertThat(r.out().strip()).isEqualTo("45 123");
            assertThat(r.status()).isZero();
        }
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> login("web", SshKeys.generateEd25519())).hasMessageContaining("No more authentication methods");
        assertThatThrownBy(() -> login("web", BOB)).hasMessageContaining("No more authentication methods");
        assertThatThrownBy(() -> login("nope", ALICE)).hasMessageContaining("No more authentication methods");
    }

    @Test
    void aDeletedKeyIsRefusedAtOnce() throws Exception {
        login("web", ALICE).close();
        ingress.update(view(true, false).toBuilder().setSsh(SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic()))).build());
        Instant deadline = Instant.now().plus(WAIT);
        while (true) { // the update is applied on the ingress's own thread
            try {
                login("web", ALICE).close();
            } catch (Exception refused) {
                break;
            }
            assertThat(Instant.now()).isBefore(deadline);
        }
    }

    @Test
    void userCertificatesOfTheFleetCa() throws Exception {
        KeyPair carol = SshKeys.generateEd25519();
        OpenSshCertificate good = OpenSshCertificateBuilder.userCertificate().publicKey(carol.getPublic()).id("issue:web:1")
                .principals(List.of("web")).validAfter(Instant.now().minusSeconds(60)).validBefore(Instant.now().plusSeconds(600))
                .sign(CA, "ssh-ed25519");
        try (ClientSession session = login("web", new KeyPair(good, carol.getPrivate()))) {
            assertThat(exec(session, "true", false).status()).isZero();
        }
        OpenSshCertificate expired = OpenSshCertificateBuilder.userCertificate().publicKey(carol.getPublic()).id("issue:web:2")
                .principals(List.of("web")).validAfter(Instant.now().minusSeconds(600)).validBefore(Instant.now().minusSeconds(60))
                .sign(CA, "ssh-ed25519");
        assertThatThrownBy(() -> login("web", new KeyPair(expired, carol.getPrivate()))).hasMessageContaining("No more authentication");
        OpenSshCertificate otherMachine = OpenSshCertificateBuilder.userCertificate().publicKey(carol.getPublic()).id("issue:db:1")
                .principals(List.of("db")).validAfter(Instant.now().minusSeconds(60)).validBefore(Instant.now().plusSeconds(600))
                .sign(CA, "ssh-ed25519");
        assertThatThrownBy(() -> login("web", new KeyPair(otherMachine, carol.getPrivate()))).hasMessageContaining("No more authentication");
    }

    @Test
    void presentsTheHostCertificate() throws Exception {
        PublicKey hostKey = SshKeys.parsePublicKey(ingress.hostPublicKey());
        OpenSshCertificate cert = OpenSshCertificateBuilder.hostCertificate().publicKey(hostKey).id("host:h1").principals(List.of("h1", "127.0.0.1"))
                .validAfter(Instant.now().minusSeconds(60)).validBefore(Instant.now().plusSeconds(600)).sign(CA, "ssh-ed25519");
        assertThat(ingress.certificateDue(Instant.now())).isTrue();
        ingress.hostCertificate(SshHostCertificate.newBuilder().setCertificate(SshKeys.line(cert)).addPrincipals("h1").build());
        assertThat(ingress.certificateDue(Instant.now())).isFalse();
        assertThat(ingress.certificateDue(Instant.now().plusSeconds(500))).isTrue();
        try (ClientSession session = login("web", ALICE)) {
            assertThat(serverKey.get()).isInstanceOf(OpenSshCertificate.class);
            assertThat(((OpenSshCertificate) serverKey.get()).getId()).isEqualTo("host:h1");
        }
        ingress.close(); // a restart presents the kept certificate before any controller answers
        ingress = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.1", 0), dir.resolve("host_key"),
                SshIngressConfig.NamespaceEntry.none()));
        ingress.update(view(true, true));
        serverKey.set(null);
        try (ClientSession session = login("web", ALICE)) {
            assertThat(((OpenSshCertificate) serverKey.get()).getId()).isEqualTo("host:h1");
        }
    }

    @Test
    void aMachineOnAnotherHostIsReachedThroughItsHostWithTheSameExitStatus() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.2"))) {
            port = free.getLocalPort();
        }
        SshIngress other = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.2", port), dir.resolve("other_key"),
                SshIngressConfig.NamespaceEntry.none()));
        ingress.close();
        ingress = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.1", port), dir.resolve("host_key"),
                SshIngressConfig.NamespaceEntry.none()));
        try {
            HostView h2 = view(true, true).toBuilder().setHostName("h2").clearMachines().clearDirectory()
                    .addMachines(MachineSpec.newBuilder().setName("db").setBackend(Backend.BACKEND_NETNS).setRunning(true))
                    .addDirectory(FleetMachine.newBuilder().setName("db").setHost("h2").setRunning(true)).build();
            other.update(SshTargets.of(h2));
            HostView h1 = view(true, true).toBuilder().setSsh(view(true, true).getSsh().toBuilder().addKeys(SshUserKey.newBuilder()
                    .setName("alice-db").setPublicKey(SshKeys.line(ALICE.getPublic())).setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE)
                    .setTarget("db"))).build();
            SshTargets t = SshTargets.of(h1);
            ingress.update(new SshTargets(t.hostName(), t.access(), t.directory(), t.local(), java.util.Map.of("h2", "127.0.0.2")));
            for (SshIngress host : List.of(ingress, other)) {
                PublicKey key = SshKeys.parsePublicKey(host.hostPublicKey());
                String address = host == ingress ? "127.0.0.1" : "127.0.0.2";
                OpenSshCertificate cert = OpenSshCertificateBuilder.hostCertificate().publicKey(key).id("host").principals(List.of(address))
                        .validAfter(Instant.now().minusSeconds(60)).validBefore(Instant.now().plusSeconds(600)).sign(CA, "ssh-ed25519");
                OpenSshCertificate relay = OpenSshCertificateBuilder.userCertificate().publicKey(key).id("relay")
                        .principals(List.of(dev.fleetnet.ssh.SshAccess.RELAY_PRINCIPAL)).validAfter(Instant.now().minusSeconds(60))
                        .validBefore(Instant.now().plusSeconds(600)).sign(CA, "ssh-ed25519");
                host.hostCertificate(SshHostCertificate.newBuilder().setCertificate(SshKeys.line(cert))
                        .setRelayCertificate(SshKeys.line(relay)).build());
            }
            try (ClientSession session = login("db", ALICE)) {
                Result r = exec(session, "echo relayed; echo err >&2; exit 4", false);
                assertThat(r.out()).isEqualTo("relayed\n");
                assertThat(r.err()).isEqualTo("err\n");
                assertThat(r.status()).isEqualTo(4);
                assertThat(exec(session, "stty size", true).out().strip()).isEqualTo("45 123");
            }
        } finally {
            other.close();
        }
    }

    @Test
    void aStoppingMachineClosesItsSessionsWithAMessage() throws Exception {
        try (ClientSession session = login("web", ALICE); ChannelExec channel = session.createExecChannel("echo started; sleep 60")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            channel.setErr(err);
            channel.setOut(out);
            channel.open().verify(WAIT);
            Instant deadline = Instant.now().plus(WAIT);
            while (!out.toString(StandardCharsets.UTF_8).contains("started")) {
                assertThat(Instant.now()).isBefore(deadline);
                Thread.onSpinWait();
            }
            ingress.update(view(false, true));
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
            assertThat(channel.getExitStatus()).isEqualTo(255);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("machine 'web' stopped");
        }
        assertThatThrownBy(() -> login("web", ALICE)).hasMessageContaining("No more authentication methods");
    }
}

package dev.fleetnet.ingress.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.ssh.SshAccess;
import dev.fleetnet.ssh.SshKeys;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions for a machine that runs its own sshd (a tap machine here) go to that sshd as root with
 * the host's relay certificate: a MINA server stands for the guest's sshd on loopback and, like
 * one set up with {@code ssh guest-config}, takes only fleet CA user certificates for the relay
 * principal, as root. It records who logged in and what it ran.
 */
class GuestRelayTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final KeyPair CA = SshKeys.generateEd25519();
    private static final KeyPair ALICE = SshKeys.generateEd25519();
    @TempDir
    Path dir;
    private SshServer guest;
    private SshIngress ingress;
    private SshClient client;
    private final List<String> guestLogins = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        guest = SshServer.setUpDefaultServer();
        guest.setHost("127.0.0.1");
        guest.setPort(0);
        guest.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(dir.resolve("guest_host_key")));
        guest.setPublickeyAuthenticator((user, key, session) -> {
            boolean ok = key instanceof OpenSshCertificate c && c.getType() == OpenSshCertificate.Type.USER
                    && KeyUtils.compareKeys(c.getCaPubKey(), CA.getPublic()) && c.getPrincipals().contains(SshAccess.RELAY_PRINCIPAL)
                    && user.equals("root");
            guestLogins.add(user + (ok ? " accepted " + ((OpenSshCertificate) key).getId() : " refused"));
            return ok;
        });
        guest.setCommandFactory(ProcessShellCommandFactory.INSTANCE);
        guest.start();
        ingress = SshIngress.start(new SshIngressConfig(new InetSocketAddress("127.0.0.1", 0), dir.resolve("host_key"),
                SshIngressConfig.NamespaceEntry.none()), guest.getPort());
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, key) -> true);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        ingress.close();
        guest.stop(true);
    }

    private void view(boolean running, boolean relayCertificate) throws Exception {
        SshTrust trust = SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic()))
                .addKeys(SshUserKey.newBuilder().setName("alice").setPublicKey(SshKeys.line(ALICE.getPublic()))
                        .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("vm")).build();
        ingress.update(HostView.newBuilder().setRevision(1).setHostName("h1")
                .addMachines(MachineSpec.newBuilder().setName("vm").setBackend(Backend.BACKEND_TAP).setRunning(running).setAddress("127.0.0.1"))
                .addDirectory(FleetMachine.newBuilder().setName("vm").setHost("h1").setRunning(running).setAddress("127.0.0.1"))
                .setSsh(trust).build());
        if (relayCertificate) {
            var hostKey = SshKeys.parsePublicKey(ingress.hostPublicKey());
            OpenSshCertificate relay = OpenSshCertificateBuilder.userCertificate().publicKey(hostKey).id("relay:h1")
                    .principals(List.of(SshAccess.RELAY_PRINCIPAL)).validAfter(Instant.now().minusSeconds(60))
                    .validBefore(Instant.now().plusSeconds(600)).sign(CA, "ssh-ed25519");
            OpenSshCertificate host = OpenSshCertificateBuilder.hostCertificate().publicKey(hostKey).id("host:h1")
                    .principals(List.of("127.0.0.1")).validAfter(Instant.now().minusSeconds(60))
                    .validBefore(Instant.now().plusSeconds(600)).sign(CA, "ssh-ed25519");
            ingress.hostCertificate(SshHostCertificate.newBuilder().setCertificate(SshKeys.line(host))
                    .setRelayCertificate(SshKeys.line(relay)).build());
        }
    }

    private record Result(String out, String err, Integer status) {}

    private Result exec(String command) throws Exception {
        try (ClientSession session = client.connect("vm", ingress.address()).verify(WAIT).getSession()) {
            session.addPublicKeyIdentity(ALICE);
            session.auth().verify(WAIT);
            try (ChannelExec channel = session.createExecChannel(command)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                channel.setOut(out);
                channel.setErr(err);
                channel.open().verify(WAIT);
                channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
                return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), channel.getExitStatus());
            }
        }
    }

    @Test
    void aCommandRunsInTheGuestsOwnSshdAsRootWithTheRelayCertificate() throws Exception {
        view(true, true);
        // the stand-in sshd runs commands without a shell: one process each
        Result r = exec("echo in the guest");
        assertThat(r.out()).isEqualTo("in the guest\n");
        assertThat(r.status()).isZero();
        assertThat(exec("false").status()).as("the guest's exit status comes back").isEqualTo(1);
        // (sshd asks about a key once before the signature and once with it)
        assertThat(guestLogins).isNotEmpty().containsOnly("root accepted relay:h1");
    }

    @Test
    void withoutARelayCertificateOrAListeningSshdTheUserIsToldWhy() throws Exception {
        view(true, false);
        Result none = exec("true");
        assertThat(none.status()).isEqualTo(255);
        assertThat(none.err()).contains("no relay certificate yet");
        assertThat(guestLogins).as("nothing reached the guest").isEmpty();

        view(true, true);
        guest.stop(true);
        Result down = exec("true");
        assertThat(down.status()).isEqualTo(255);
        assertThat(down.err()).contains("machine 'vm' runs its own sshd").contains("did not answer");
    }

    @Test
    void aStoppedGuestMachineIsRefusedBeforeAnyLeg() throws Exception {
        view(false, true);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> exec("true"))).isNotNull();
        assertThat(guestLogins).as("nothing reached the guest").isEmpty();
    }
}

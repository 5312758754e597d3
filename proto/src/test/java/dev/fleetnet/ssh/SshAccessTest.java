package dev.fleetnet.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SshAccessTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final KeyPair CA = SshKeys.generateEd25519();
    private static final KeyPair ALICE = SshKeys.generateEd25519();
    private static final Map<String, FleetMachine> MACHINES = Map.of(
            "web", machine("web", "shop", "default", true),
            "db", machine("db", "", "backend", true),
            "old", machine("old", "shop", "default", false));

    private static FleetMachine machine(String name, String app, String network, boolean running) {
        return FleetMachine.newBuilder().setName(name).setApp(app).setNetwork(network).setRunning(running).setHost("h1").build();
    }

    private static SshAccess access(SshKeyScope scope, String target) {
        return new SshAccess(SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic()))
                .addKeys(SshUserKey.newBuilder().setName("alice").setPublicKey(SshKeys.line(ALICE.getPublic()))
                        .setScope(scope).setTarget(target)).build());
    }

    @ParameterizedTest(name = "{0} {1} opens {2}: {3}")
    @CsvSource({
        "SSH_KEY_SCOPE_MACHINE, web, web, true",
        "SSH_KEY_SCOPE_MACHINE, web, db, false",
        "SSH_KEY_SCOPE_APP, shop, web, true",
        "SSH_KEY_SCOPE_APP, shop, db, false",
        "SSH_KEY_SCOPE_NETWORK, backend, db, true",
        "SSH_KEY_SCOPE_NETWORK, backend, web, false",
    })
    void scopes(SshKeyScope scope, String target, String machine, boolean allowed) {
        SshAccess.Decision d = access(scope, target).decide(machine, ALICE.getPublic(), MACHINES::get, NOW);
        assertThat(d.allowed()).isEqualTo(allowed);
        assertThat(d.who()).contains("alice").contains("SHA256:");
        if (!allowed) {
            assertThat(d.message()).contains("does not include machine '" + machine + "'");
        }
    }

    @Test
    void oneKeyUnderTwoNamesOpensBothScopes() {
        SshAccess access = new SshAccess(access(SshKeyScope.SSH_KEY_SCOPE_MACHINE, "web").trust().toBuilder()
                .addKeys(SshUserKey.newBuilder().setName("alice-db").setPublicKey(SshKeys.line(ALICE.getPublic()))
                        .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("db")).build());
        assertThat(access.decide("web", ALICE.getPublic(), MACHINES::get, NOW).who()).contains("'alice'");
        assertThat(access.decide("db", ALICE.getPublic(), MACHINES::get, NOW).who()).contains("'alice-db'");
    }

    @Test
    void unknownKeysLearnNothing() {
        SshAccess.Decision d = access(SshKeyScope.SSH_KEY_SCOPE_MACHINE, "web")
                .decide("nope", SshKeys.generateEd25519().getPublic(), MACHINES::get, NOW);
        assertThat(d.allowed()).isFalse();
        assertThat(d.message()).isEmpty();
    }

    @Test
    void unknownAndStoppedMachinesAreNamed() {
        SshAccess access = access(SshKeyScope.SSH_KEY_SCOPE_APP, "shop");
        assertThat(access.decide("nope", ALICE.getPublic(), MACHINES::get, NOW).message()).contains("no machine named 'nope'");
        assertThat(access.decide("old", ALICE.getPublic(), MACHINES::get, NOW).message()).contains("machine 'old' is stopped");
    }

    @Test
    void certificatesOfTheFleetCaForTheMachineWithinValidity() throws Exception {
        SshAccess access = new SshAccess(SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic())).build());
        OpenSshCertificate cert = user(CA, List.of("web"), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        assertThat(access.decide("web", cert, MACHINES::get, NOW).allowed()).isTrue();
        assertThat(access.decide("web", cert, MACHINES::get, NOW).who()).contains("certificate 'issue:web:1' (serial 7");
        assertThat(access.decide("db", cert, MACHINES::get, NOW).message()).contains("not machine 'db'");
        assertThat(access.decide("web", cert, MACHINES::get, NOW.plusSeconds(7200)).message()).contains("is not valid at");
        OpenSshCertificate foreign = user(SshKeys.generateEd25519(), List.of("web"), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        assertThat(access.decide("web", foreign, MACHINES::get, NOW).allowed()).isFalse();
        OpenSshCertificate host = OpenSshCertificateBuilder.hostCertificate().publicKey(ALICE.getPublic()).id("h").principals(List.of("web"))
                .validAfter(NOW.minusSeconds(60)).validBefore(NOW.plusSeconds(60)).sign(CA, "ssh-ed25519");
        assertThat(access.decide("web", host, MACHINES::get, NOW).message()).contains("host certificate");
    }

    @Test
    void relayCertificatesOpenAnyRunningMachineButAUserCannotGetOne() throws Exception {
        SshAccess access = new SshAccess(SshTrust.newBuilder().setCaPublicKey(SshKeys.line(CA.getPublic())).build());
        OpenSshCertificate relay = user(CA, List.of(SshAccess.RELAY_PRINCIPAL), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        assertThat(access.decide("db", relay, MACHINES::get, NOW).who()).startsWith("relay certificate");
        assertThat(access.decide("old", relay, MACHINES::get, NOW).message()).contains("is stopped");
        assertThat(dev.fleetnet.core.Names.isValid(SshAccess.RELAY_PRINCIPAL)).as("no machine can be named so").isFalse();
    }

    @Test
    void keyLinesRoundTripAndBadOnesSayWhatWasExpected() {
        String line = SshKeys.line(ALICE.getPublic());
        assertThat(SshKeys.line(SshKeys.parsePublicKey(line + " alice@laptop"))).isEqualTo(line);
        assertThat(SshKeys.fingerprint(ALICE.getPublic())).startsWith("SHA256:");
        assertThatThrownBy(() -> SshKeys.parsePublicKey("ssh-ed25519 notbase64!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: one OpenSSH line");
        assertThatThrownBy(() -> SshKeys.parsePublicKey("")).hasMessageContaining("public key: ''");
        KeyPair back = SshKeys.parsePrivateKey(SshKeys.privateKeyText(ALICE, "c"));
        assertThat(SshKeys.line(back.getPublic())).isEqualTo(line);
    }

    @Test
    void certificateLinesParse() throws Exception {
        OpenSshCertificate cert = user(CA, List.of("web"), NOW, NOW.plusSeconds(60));
        OpenSshCertificate back = SshKeys.parseCertificate(SshKeys.line(cert));
        assertThat(back.getPrincipals()).containsExactly("web");
        assertThatThrownBy(() -> SshKeys.parsePublicKey(SshKeys.line(cert))).hasMessageContaining("is a certificate");
    }

    private static OpenSshCertificate user(KeyPair ca, List<String> principals, Instant after, Instant before) throws Exception {
        return OpenSshCertificateBuilder.userCertificate().publicKey(ALICE.getPublic()).id("issue:web:1").serial(7)
                .principals(principals).validAfter(after).validBefore(before).sign(ca, "ssh-ed25519");
    }
}

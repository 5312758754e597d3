package dev.fleetnet.controller.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.ssh.SshKeys;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.Test;

class FleetSshCaTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void survivesItsStoredForm() {
        FleetSshCa ca = FleetSshCa.generate(NOW);
        FleetSshCa back = FleetSshCa.from(ca.stored());
        assertThat(back.publicKeyLine()).isEqualTo(ca.publicKeyLine()).startsWith("ssh-ed25519 ");
        assertThat(back.knownHostsLine()).isEqualTo("@cert-authority * " + ca.publicKeyLine() + " fleetnet-ssh-ca");
    }

    @Test
    void hostCertificatesNameTheHostAndItsAddresses() {
        FleetSshCa ca = FleetSshCa.generate(NOW);
        KeyPair host = SshKeys.generateEd25519();
        OpenSshCertificate c = ca.signHost("h1", List.of("h1", "fd01::2"), host.getPublic(), NOW);
        assertThat(c.getType()).isEqualTo(OpenSshCertificate.Type.HOST);
        assertThat(c.getPrincipals()).containsExactly("h1", "fd01::2");
        assertThat(KeyUtils.compareKeys(c.getCaPubKey(), ca.publicKey())).isTrue();
        assertThat(OpenSshCertificate.isValidAt(c, NOW.plus(Duration.ofDays(29)))).isTrue();
        assertThat(OpenSshCertificate.isValidAt(c, NOW.plus(Duration.ofDays(31)))).isFalse();
        OpenSshCertificate parsed = SshKeys.parseCertificate(SshKeys.line(c));
        assertThat(parsed.getId()).isEqualTo("host:h1");
    }

    @Test
    void relayCertificatesCarryOnlyTheRelayPrincipal() {
        FleetSshCa ca = FleetSshCa.generate(NOW);
        KeyPair host = SshKeys.generateEd25519();
        OpenSshCertificate c = ca.signRelay("h1", host.getPublic(), NOW);
        assertThat(c.getType()).isEqualTo(OpenSshCertificate.Type.USER);
        assertThat(c.getPrincipals()).containsExactly(dev.fleetnet.ssh.SshAccess.RELAY_PRINCIPAL);
        assertThat(c.getId()).isEqualTo("relay:h1");
    }

    @Test
    void userCertificatesOpenOneMachineForTheirTtl() {
        FleetSshCa ca = FleetSshCa.generate(NOW);
        KeyPair user = SshKeys.generateEd25519();
        OpenSshCertificate c = ca.signUser("web", user.getPublic(), Duration.ofHours(1), NOW);
        assertThat(c.getType()).isEqualTo(OpenSshCertificate.Type.USER);
        assertThat(c.getPrincipals()).containsExactly("web");
        assertThat(c.getExtensionsMap()).containsKeys("permit-pty", "permit-port-forwarding");
        assertThat(OpenSshCertificate.isValidAt(c, NOW.plusSeconds(3599))).isTrue();
        assertThat(OpenSshCertificate.isValidAt(c, NOW.plusSeconds(3601))).isFalse();
        assertThatThrownBy(() -> ca.signUser("web", user.getPublic(), Duration.ofHours(25), NOW))
                .hasMessage("ttl: 90000s (expected: 1s..24h)");
        assertThatThrownBy(() -> ca.signUser("web", user.getPublic(), Duration.ZERO, NOW)).hasMessageContaining("expected: 1s..24h");
    }
}

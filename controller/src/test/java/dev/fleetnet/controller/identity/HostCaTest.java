package dev.fleetnet.controller.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostCaTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private final HostCa ca = HostCa.generate(NOW);

    private static void verifies(X509Certificate ca, X509Certificate leaf, Instant at) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    @Test
    void theHostCaIsItsOwnEcP256CaThatSignsNoOtherCa() {
        X509Certificate certificate = ca.certificate();
        assertThat(certificate.getSubjectX500Principal().getName()).matches("CN=fleetnet host CA [0-9a-f]{12}");
        assertThat(certificate.getBasicConstraints()).as("path length 0: no intermediate CAs").isZero();
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)).plus(Duration.ofDays(3650)));
        assertThat(HostCa.from(ca.stored()).certificate()).isEqualTo(certificate);
        assertThat(ca.stored().getPrivateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void aHostCertificateNamesItsHostCertifiesTheHostsOwnKeyAndIsForClientsOnly() throws Exception {
        KeyPair key = HostCsr.generateKey();
        X509Certificate leaf = ca.issueHost("h1", key.getPublic(), NOW);
        assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=h1");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "fleetnet://host/h1"));
        assertThat(HostNames.hostOf(leaf)).isEqualTo("h1");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        verifies(ca.certificate(), leaf, NOW);
        assertThat(HostCa.generate(NOW).issueHost("h1", key.getPublic(), NOW).getIssuerX500Principal())
                .as("each fleet's host CA is its own").isNotEqualTo(leaf.getIssuerX500Principal());
    }

    @Test
    void theControllerCertificateNamesTheAddressesAgentsDialAndIsForServersOnly() throws Exception {
        X509Certificate leaf = ca.issueController(List.of("fd01::1", "192.0.2.7", "controller.example.com"),
                HostCsr.generateKey().getPublic(), NOW);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(7, "fd01:0:0:0:0:0:0:1"), List.of(7, "192.0.2.7"),
                List.of(2, "controller.example.com"), List.of(6, "fleetnet://controller"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));
        verifies(ca.certificate(), leaf, NOW);
        assertThatThrownBy(() -> HostNames.hostOf(leaf)).as("it never passes for a host").hasMessageContaining("0 SAN URIs");
        assertThatThrownBy(() -> ca.issueController(List.of(), HostCsr.generateKey().getPublic(), NOW))
                .hasMessage("controller certificate names: none (expected: the addresses agents dial)");
    }

    @Test
    void aLeafNeverOutlivesItsCa() {
        Instant late = NOW.plus(Duration.ofDays(3600));
        X509Certificate leaf = ca.issueHost("h1", HostCsr.generateKey().getPublic(), late);
        assertThat(leaf.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }
}

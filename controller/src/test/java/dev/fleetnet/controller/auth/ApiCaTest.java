package dev.fleetnet.controller.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.certs.Pem;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiCaTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private final ApiCa ca = ApiCa.generate(NOW);

    @Test
    void theApiCaIsAnEcP256CaThatSignsNoOtherCaForTenYears() {
        X509Certificate certificate = ca.certificate();
        assertThat(certificate.getSubjectX500Principal().getName()).matches("CN=fleetnet API CA [0-9a-f]{12}");
        assertThat(certificate.getBasicConstraints()).as("path length 0").isZero();
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)).plus(Duration.ofDays(3650)));
        assertThat(ca.stored().getHostname()).isEqualTo("api-ca");
        assertThat(ca.stored().getCertificateChainPem()).isEqualTo(ca.certificatePem());
        assertThat(ApiCa.from(ca.stored()).certificate()).isEqualTo(certificate);
    }

    @Test
    void theServingCertificateNamesEachNameAsWhatItIsForServersForAYear() throws Exception {
        ApiCa.Serving serving = ca.issueServing(List.of("localhost", "127.0.0.1", "[::1]"), NOW);
        X509Certificate leaf = serving.leaf();
        assertThat(Pem.certificates(serving.certificateChainPem())).containsExactly(leaf);
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=fleetnet controller API");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "localhost"), List.of(7, "127.0.0.1"),
                List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        leaf.verify(ca.certificate().getPublicKey());
        assertThat(ca.issueServing(List.of("localhost"), NOW.plus(Duration.ofDays(3600))).leaf().getNotAfter())
                .as("never past the CA").isEqualTo(ca.certificate().getNotAfter());
        assertThatThrownBy(() -> ca.issueServing(List.of(), NOW))
                .hasMessage("API certificate names: none (expected: at least one DNS name or address)");
    }
}

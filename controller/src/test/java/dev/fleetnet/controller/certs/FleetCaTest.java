package dev.fleetnet.controller.certs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
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

class FleetCaTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    /** PKIX with the fleet CA as the only trust anchor. */
    static void verifies(X509Certificate ca, List<X509Certificate> chain, Instant at) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    @Test
    void theCaIsAnEcP256CaForTenYears() {
        FleetCa ca = FleetCa.generate(NOW);
        X509Certificate certificate = ca.certificate();
        assertThat(certificate.getSubjectX500Principal().getName()).matches("CN=fleetnet fleet CA [0-9a-f]{12}");
        assertThat(certificate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(certificate.getKeyUsage()).as("keyCertSign, cRLSign")
                .containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(certificate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)).plus(Duration.ofDays(3650)));
        assertThat(ca.info().getKeyType()).isEqualTo("EC P-256");
        assertThat(ca.stored().getHostname()).isEqualTo("fleet-ca");
        assertThat(ca.stored().getSource()).isEqualTo(CertificateSource.CERTIFICATE_SOURCE_FLEET);
        assertThat(FleetCa.from(ca.stored()).certificate()).isEqualTo(certificate);
    }

    @Test
    void leavesCarryTheHostnameAndVerifyAgainstTheCaAlone() throws Exception {
        FleetCa ca = FleetCa.generate(NOW);
        for (String host : List.of("Shop.Example.com", "*.fleet.internal")) {
            Certificate issued = ca.issue(host, NOW);
            List<X509Certificate> chain = Pem.certificates(issued.getCertificateChainPem());
            X509Certificate leaf = chain.get(0);
            String normalized = host.toLowerCase();
            assertThat(issued.getHostname()).isEqualTo(normalized);
            assertThat(issued.getInfo().getNamesList()).containsExactly(normalized);
            assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
            assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
            assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
            assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
            assertThat(issued.getInfo().getKeyType()).isEqualTo("EC P-256");
            assertThat(issued.getInfo().getIssuer()).isEqualTo(ca.certificate().getSubjectX500Principal().getName());
            // the stored form is what an upload of it would be: key matches, names cover the hostname
            UploadValidator.requireKeyMatches(leaf, Pem.privateKey(issued.getPrivateKeyPem()));
            UploadValidator.requireCovers(leaf, normalized);
            verifies(ca.certificate(), chain, NOW);
        }
        assertThat(ca.issue("a.example.com", NOW).getPrivateKeyPem()).isNotEqualTo(ca.issue("a.example.com", NOW).getPrivateKeyPem());
    }
}

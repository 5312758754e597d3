package dev.fleetnet.controller.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** What a client certificate proves by itself: each way it can fail, with its message. */
class HostCertificateCheckTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private final HostCa ca = HostCa.generate(NOW.minus(Duration.ofDays(1000)));
    private final String caName = ca.certificate().getSubjectX500Principal().getName();
    private final KeyPair key = HostCsr.generateKey();

    private HostCertificateCheck.Presented check(X509Certificate... chain) throws JoinRefused {
        return HostCertificateCheck.check(chain, ca.certificate(), NOW);
    }

    private void refused(String message, Certificate... chain) {
        assertThatThrownBy(() -> HostCertificateCheck.check(chain, ca.certificate(), NOW))
                .isInstanceOfSatisfying(JoinRefused.class, e -> {
                    assertThat(e.kind()).isEqualTo(JoinRefused.Kind.UNAUTHENTICATED);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @Test
    void aCertificateOfTheHostCaNamesItsHostItsKeyAndSerial() throws Exception {
        X509Certificate leaf = ca.issueHost("h1", key.getPublic(), NOW.minus(Duration.ofDays(10)));
        assertThat(check(leaf)).isEqualTo(new HostCertificateCheck.Presented("h1", HostNames.keySha256(key.getPublic()),
                HostNames.serial(leaf), leaf.getNotAfter().toInstant()));
    }

    @Test
    void noCertificateIsRefused() {
        refused("client certificate: none (expected: this host's certificate from the fleet host CA; an agent without one"
                + " joins first, with a join token)");
        refused("client certificate: none (expected: this host's certificate from the fleet host CA; an agent without one"
                + " joins first, with a join token)", (Certificate[]) null);
    }

    @Test
    void aSelfSignedCertificateWithTheRightNameIsRefused() throws Exception {
        refused("client certificate 'CN=h1': issued by 'CN=h1' (expected: the fleet host CA '" + caName
                + "'; a certificate from this fleet's join)", TestHosts.forged(key, "h1", new X500Principal("CN=h1"),
                NOW.minusSeconds(60), NOW.plusSeconds(60)));
    }

    @Test
    void aCertificateNamingTheCaButSignedByAnotherKeyIsRefused() throws Exception {
        refused("client certificate 'CN=h1': names the fleet host CA '" + caName + "' as its issuer but its signature does not"
                + " verify with that CA's key (expected: a certificate the fleet host CA signed; this one is forged)",
                TestHosts.forged(key, "h1", ca.certificate().getSubjectX500Principal(), NOW.minusSeconds(60), NOW.plusSeconds(60)));
    }

    @Test
    void aCertificateFromAnotherFleetsHostCaIsRefused() {
        HostCa other = HostCa.generate(NOW);
        refused("client certificate 'CN=h1': issued by '" + other.certificate().getSubjectX500Principal().getName()
                + "' (expected: the fleet host CA '" + caName + "'; a certificate from this fleet's join)",
                other.issueHost("h1", key.getPublic(), NOW));
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefused() {
        X509Certificate expired = ca.issueHost("h1", key.getPublic(), NOW.minus(Duration.ofDays(366)));
        refused("client certificate 'CN=h1' (serial " + HostNames.serial(expired) + "): expired at "
                + expired.getNotAfter().toInstant() + " (expected: valid now, 2026-11-22T12:00:00Z; the host joins again with a"
                + " new token)", expired);
        X509Certificate early = ca.issueHost("h1", key.getPublic(), NOW.plus(Duration.ofDays(2)));
        refused("client certificate 'CN=h1' (serial " + HostNames.serial(early) + "): not valid before "
                + early.getNotBefore().toInstant() + " (expected: valid now, 2026-11-22T12:00:00Z; check this host's clock)", early);
    }

    @Test
    void theControllersCertificateOrTheCaItselfIsNoHostCertificate() {
        refused("client certificate 'CN=fleetnet controller': not a host certificate (expected: an end-entity certificate for"
                + " TLS client authentication)", ca.issueController(List.of("fd01::1"), key.getPublic(), NOW));
        refused("client certificate '" + caName + "': not a host certificate (expected: an end-entity certificate for TLS"
                + " client authentication)", ca.certificate());
    }
}

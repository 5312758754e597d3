package dev.fleetnet.controller.pki;

import static org.assertj.core.api.Assertions.assertThat;

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
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;

class CertificateBuilderTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final KeyPair CA_KEYS = CertificateBuilder.p256();

    private static X509Certificate ca(BasicConstraints constraints, Instant notAfter) throws Exception {
        return CertificateBuilder.selfSignedCa(new CertificateBuilder.CaSpec(new X500Principal("CN=test CA"), CA_KEYS, constraints,
                NOW.minus(Duration.ofHours(1)), notAfter));
    }

    private static CertificateBuilder.LeafSpec leaf(KeyPair keys, Instant notAfter) {
        return new CertificateBuilder.LeafSpec(new X500Principal("CN=leaf"), keys.getPublic(),
                List.of(new GeneralName(GeneralName.dNSName, "a.example.com"), new GeneralName(GeneralName.iPAddress, "192.0.2.7")),
                KeyPurposeId.id_kp_clientAuth, NOW.minus(Duration.ofHours(1)), notAfter);
    }

    private static byte[] extension(X509Certificate certificate, org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
        return DEROctetString.getInstance(certificate.getExtensionValue(oid.getId())).getOctets();
    }

    @Test
    void aCaIsSelfSignedForCertificateSigningWithTheGivenConstraintsAndValidity() throws Exception {
        Instant notAfter = NOW.plus(Duration.ofDays(3650));
        X509Certificate ca = ca(new BasicConstraints(0), notAfter);
        ca.verify(CA_KEYS.getPublic());
        assertThat(ca.getSubjectX500Principal()).isEqualTo(ca.getIssuerX500Principal()).isEqualTo(new X500Principal("CN=test CA"));
        assertThat(ca.getPublicKey()).isEqualTo(CA_KEYS.getPublic());
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(ca.getKeyUsage()).as("keyCertSign, cRLSign").containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(ca.getCriticalExtensionOIDs()).containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(ca.getNonCriticalExtensionOIDs()).containsExactly(Extension.subjectKeyIdentifier.getId());
        assertThat(ca.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(ca.getNotAfter().toInstant()).isEqualTo(notAfter);
        assertThat(ca.getSerialNumber().signum()).isPositive();
        assertThat(ca(new BasicConstraints(true), notAfter).getBasicConstraints()).as("no path length limit").isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aLeafCarriesItsNamesAndPurposeAndVerifiesAgainstItsCa() throws Exception {
        X509Certificate ca = ca(new BasicConstraints(0), NOW.plus(Duration.ofDays(3650)));
        KeyPair keys = CertificateBuilder.p256();
        X509Certificate leaf = CertificateBuilder.leaf(ca, CA_KEYS.getPrivate(), leaf(keys, NOW.plus(Duration.ofDays(90))));
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(leaf.getSubjectX500Principal()).isEqualTo(new X500Principal("CN=leaf"));
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "a.example.com"), List.of(7, "192.0.2.7"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()).as("digitalSignature").containsExactly(true, false, false, false, false, false, false, false, false);
        assertThat(leaf.getCriticalExtensionOIDs()).containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(AuthorityKeyIdentifier.getInstance(extension(leaf, Extension.authorityKeyIdentifier)).getKeyIdentifier())
                .isEqualTo(SubjectKeyIdentifier.getInstance(extension(ca, Extension.subjectKeyIdentifier)).getKeyIdentifier());
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    @Test
    void aLeafNeverOutlivesItsCa() throws Exception {
        X509Certificate ca = ca(new BasicConstraints(0), NOW.plus(Duration.ofDays(30)));
        X509Certificate leaf = CertificateBuilder.leaf(ca, CA_KEYS.getPrivate(), leaf(CertificateBuilder.p256(), NOW.plus(Duration.ofDays(365))));
        assertThat(leaf.getNotAfter()).isEqualTo(ca.getNotAfter());
    }

    @Test
    void uniqueNamesCarryARandomIdAfterTheCommonName() {
        X500Principal name = CertificateBuilder.uniqueName("fleetnet test CA");
        assertThat(name.getName()).matches("CN=fleetnet test CA [0-9a-f]{12}");
        assertThat(CertificateBuilder.uniqueName("fleetnet test CA")).isNotEqualTo(name);
    }

    @Test
    void keysAreEcP256() {
        KeyPair keys = CertificateBuilder.p256();
        assertThat(keys.getPublic().getAlgorithm()).isEqualTo("EC");
        assertThat(((java.security.interfaces.ECPublicKey) keys.getPublic()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }
}

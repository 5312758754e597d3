package dev.fleetnet.controller.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.certs.TestCertificates.Issued;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UploadValidatorTest {
    private static final Instant NOW = Instant.now();
    private static KeyPair ecKeys;
    private static Issued root;
    private static Issued intermediate;

    @BeforeAll
    static void cas() throws Exception {
        ecKeys = TestCertificates.ec();
        root = TestCertificates.ca("Test Root", TestCertificates.ec(), null, NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(1000)));
        intermediate = TestCertificates.ca("Test Intermediate", TestCertificates.ec(), root,
                NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(500)));
    }

    private static Issued leaf(KeyPair keys, Instant from, Instant to, String... sans) throws Exception {
        return TestCertificates.leaf(sans.length == 0 ? "cn.example.com" : sans[0], List.of(sans), keys, intermediate, from, to);
    }

    private static Issued leaf(KeyPair keys, String... sans) throws Exception {
        return leaf(keys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), sans);
    }

    @Test
    void aGoodEcUploadWithItsChainIsStoredAsPkcs8WithItsFacts() throws Exception {
        Issued leaf = leaf(ecKeys, "shop.example.com", "www.shop.example.com");
        Certificate stored = UploadValidator.validate("Shop.Example.COM", leaf.pem() + intermediate.pem(), leaf.traditionalKeyPem(), NOW);
        assertThat(stored.getHostname()).isEqualTo("shop.example.com");
        assertThat(stored.getSource()).isEqualTo(CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
        assertThat(stored.getPrivateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.certificates(stored.getCertificateChainPem())).containsExactly(leaf.certificate(), intermediate.certificate());
        assertThat(stored.getInfo().getNamesList()).containsExactly("shop.example.com", "www.shop.example.com");
        assertThat(stored.getInfo().getIssuer()).isEqualTo("CN=Test Intermediate");
        assertThat(stored.getInfo().getKeyType()).isEqualTo("EC P-256");
        assertThat(stored.getInfo().getSha256Fingerprint()).hasSize(64).isEqualTo(CertificateFacts.fingerprint(leaf.certificate()));
        assertThat(stored.getInfo().getNotAfterEpochSeconds()).isEqualTo(leaf.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    void aWildcardOverATopLevelDomainIsRefusedEvenWhenTheCertificateNamesIt() throws Exception {
        Issued leaf = leaf(ecKeys, "*.com", "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("*.com", leaf.pem() + intermediate.pem(), leaf.keyPem(), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hostname: '*.com' is a wildcard over a top-level domain (expected: a wildcard over a registered domain,"
                        + " such as *.example.com)");
    }

    @Test
    void aGoodRsaUploadInEitherKeyFormat() throws Exception {
        KeyPair rsa = TestCertificates.rsa();
        Issued leaf = TestCertificates.selfSigned(rsa, "*.example.com");
        assertThat(UploadValidator.validate("a.example.com", leaf.pem(), leaf.keyPem(), NOW).getInfo().getKeyType()).isEqualTo("RSA 2048");
        assertThat(leaf.traditionalKeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(UploadValidator.validate("*.example.com", leaf.pem(), leaf.traditionalKeyPem(), NOW).getHostname())
                .isEqualTo("*.example.com");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        Issued leaf = leaf(ecKeys, "shop.example.com");
        String otherEc = Pem.privateKey(TestCertificates.ec().getPrivate());
        String otherRsa = Pem.privateKey(TestCertificates.rsa().getPrivate());
        for (String key : List.of(otherEc, otherRsa)) {
            assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem(), key, NOW))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("private key: does not match the certificate's public key (EC P-256, certificate 'CN=shop.example.com'")
                    .hasMessageNotContaining("PRIVATE KEY");
        }
    }

    @Test
    void aHostnameTheNamesDoNotCoverIsRefusedWithTheNames() throws Exception {
        Issued wildcard = leaf(ecKeys, "*.example.com");
        for (String host : List.of("example.com", "a.b.example.com", "other.test")) {
            assertThatThrownBy(() -> UploadValidator.validate(host, wildcard.pem(), wildcard.keyPem(), NOW))
                    .hasMessageStartingWith("hostname: '" + host + "' is not covered by the certificate's names [*.example.com] (expected: ");
        }
        Issued exact = leaf(ecKeys, "a.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("*.example.com", exact.pem(), exact.keyPem(), NOW))
                .hasMessageStartingWith("hostname: '*.example.com' is not covered by the certificate's names [a.example.com]");
    }

    @Test
    void theCommonNameIsIgnoredWhenTheCertificateHasSans() throws Exception {
        Issued leaf = TestCertificates.leaf("shop.example.com", List.of("other.example.com"), ecKeys, intermediate,
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem(), leaf.keyPem(), NOW))
                .hasMessageContaining("names [other.example.com]");
        Issued cnOnly = TestCertificates.leaf("legacy.example.com", List.of(), ecKeys, intermediate,
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
        assertThat(UploadValidator.validate("legacy.example.com", cnOnly.pem(), cnOnly.keyPem(), NOW).getHostname())
                .isEqualTo("legacy.example.com");
    }

    @Test
    void expiredAndNotYetValidCertificatesAreRefusedWithTheirDates() throws Exception {
        Instant expiredAt = NOW.minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Issued expired = leaf(ecKeys, NOW.minus(Duration.ofDays(90)), expiredAt, "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", expired.pem(), expired.keyPem(), NOW))
                .hasMessageStartingWith("certificate 'CN=shop.example.com': expired " + expiredAt + " (expected: valid now, ");
        Instant startsAt = NOW.plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Issued future = leaf(ecKeys, startsAt, NOW.plus(Duration.ofDays(90)), "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", future.pem(), future.keyPem(), NOW))
                .hasMessageStartingWith("certificate 'CN=shop.example.com': not valid before " + startsAt);
    }

    @Test
    void garbageIsRefusedWithoutEchoingIt() throws Exception {
        Issued leaf = leaf(ecKeys, "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", "hello", leaf.keyPem(), NOW))
                .hasMessageStartingWith("certificate: no PEM CERTIFICATE block found");
        String brokenCert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", brokenCert, leaf.keyPem(), NOW))
                .hasMessageStartingWith("certificate: unparsable PEM");
        String brokenKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----\n";
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem(), brokenKey, NOW))
                .hasMessageStartingWith("private key: ").hasMessageNotContaining("c2VjcmV0");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem(), "", NOW))
                .hasMessageStartingWith("private key: no PEM block found");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem(), leaf.pem(), NOW))
                .hasMessageStartingWith("private key: PEM block is X509CertificateHolder");
        assertThatThrownBy(() -> UploadValidator.validate("bad host!", leaf.pem(), leaf.keyPem(), NOW))
                .hasMessageStartingWith("hostname: 'bad host!' (expected: ");
    }

    @Test
    void aChainOutOfOrderIsRefused() throws Exception {
        Issued leaf = leaf(ecKeys, "shop.example.com");
        assertThat(UploadValidator.validate("shop.example.com", leaf.pem() + intermediate.pem() + root.pem(), leaf.keyPem(), NOW)
                .getCertificateChainPem()).contains(root.pem());
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", leaf.pem() + root.pem() + intermediate.pem(), leaf.keyPem(), NOW))
                .hasMessage("certificate chain: certificate 1 'CN=shop.example.com' (issuer CN=Test Intermediate) is not signed by"
                        + " certificate 2 'CN=Test Root' (expected: the leaf first, then each issuer in order)");
    }

    @Test
    void aCaCertificateIsRefusedAsTheLeafSoItsKeyIsNeverStored() throws Exception {
        Issued ca = TestCertificates.caWithNames(ecKeys, intermediate, "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", ca.pem() + intermediate.pem(), ca.keyPem(), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("certificate 'CN=shop.example.com': a CA certificate (basic constraints CA:TRUE)")
                .hasMessageContaining("(expected: a leaf certificate for the hostname, issued by a CA; never a CA's own key)");
        Issued selfSignedCa = TestCertificates.caWithNames(ecKeys, null, "*.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("*.example.com", selfSignedCa.pem(), selfSignedCa.keyPem(), NOW))
                .hasMessageContaining("a CA certificate");
    }

    @Test
    void aLeafNotForServerAuthenticationIsRefused() throws Exception {
        Issued client = TestCertificates.leafFor(List.of(KeyPurposeId.id_kp_clientAuth), ecKeys, intermediate, "shop.example.com");
        assertThatThrownBy(() -> UploadValidator.validate("shop.example.com", client.pem() + intermediate.pem(), client.keyPem(), NOW))
                .hasMessageStartingWith("certificate 'CN=shop.example.com': extended key usage [1.3.6.1.5.5.7.3.2]"
                        + " (expected: TLS server authentication, 1.3.6.1.5.5.7.3.1)");
        Issued server = TestCertificates.leafFor(List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth), ecKeys,
                intermediate, "shop.example.com");
        assertThat(UploadValidator.validate("shop.example.com", server.pem() + intermediate.pem(), server.keyPem(), NOW).getHostname())
                .isEqualTo("shop.example.com");
    }
}

package dev.fleetnet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class HostNamesTest {
    private static final KeyPair KEY = HostCsr.generateKey();

    private static X509Certificate certificate(String subject, GeneralName... names) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Principal("CN=ca"), BigInteger.TEN, Date.from(now),
                Date.from(now.plusSeconds(60)), new X500Principal(subject), KEY.getPublic());
        if (names.length > 0) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(KEY.getPrivate())));
    }

    private static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    @Test
    void aHostCertificateNamesItsHostInItsCnAndItsOneSanUri() throws Exception {
        assertThat(HostNames.uri("h1")).isEqualTo("fleetnet://host/h1");
        assertThat(HostNames.hostOf(certificate("CN=h1", uri("fleetnet://host/h1"),
                new GeneralName(GeneralName.dNSName, "h1.example.com")))).isEqualTo("h1");
    }

    @Test
    void aCertificateThatDoesNotNameExactlyOneHostIsRefused() throws Exception {
        assertThatThrownBy(() -> HostNames.hostOf(certificate("CN=h1"))).hasMessage("certificate 'CN=h1': 0 SAN URIs"
                + " fleetnet://host/NAME (expected: exactly one, naming its host)");
        assertThatThrownBy(() -> HostNames.hostOf(certificate("CN=h1", uri("fleetnet://host/h1"), uri("fleetnet://host/h2"))))
                .hasMessage("certificate 'CN=h1': 2 SAN URIs fleetnet://host/NAME (expected: exactly one, naming its host)");
        assertThatThrownBy(() -> HostNames.hostOf(certificate("CN=h2", uri("fleetnet://host/h1")))).hasMessage("certificate"
                + " 'CN=h2': CN 'h2' differs from SAN URI fleetnet://host/h1 (expected: both naming the same host)");
        assertThatThrownBy(() -> HostNames.hostOf(certificate("CN=H1", uri("fleetnet://host/H1")))).hasMessage("certificate"
                + " 'CN=H1': SAN URI fleetnet://host/H1 (expected: a host name, 1-63 lowercase letters, digits or '-')");
    }

    @Test
    void aKeyIsKnownByTheSha256OfItsPublicKeyInfo() throws Exception {
        assertThat(HostNames.keySha256(KEY.getPublic())).isEqualTo(HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getPublic().getEncoded()))).hasSize(64);
        assertThat(HostNames.serial(certificate("CN=h1"))).isEqualTo("a");
    }
}

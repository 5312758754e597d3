package dev.fleetnet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class HostCsrTest {

    @Test
    void aRequestCarriesTheHostNameAndTheHostsOwnPublicKey() {
        KeyPair key = HostCsr.generateKey();
        HostCsr.Request request = HostCsr.parse(HostCsr.create(key, "h1"));
        assertThat(request.hostName()).isEqualTo("h1");
        assertThat(request.publicKey()).isEqualTo(key.getPublic());
    }

    @Test
    void thePublicKeyIsDerivedFromThePrivateKeyAlone() {
        KeyPair key = HostCsr.generateKey();
        assertThat(HostCsr.publicKeyOf(key.getPrivate())).isEqualTo(key.getPublic());
    }

    @Test
    void aRequestSignedByAnotherKeyIsRefused() throws Exception {
        KeyPair claimed = HostCsr.generateKey();
        KeyPair signer = HostCsr.generateKey();
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=h1"), claimed.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())).getEncoded();
        assertThatThrownBy(() -> HostCsr.parse(der)).hasMessage("certification request: its signature does not verify with its"
                + " own key (expected: a request signed by the key it asks a certificate for)");
    }

    @Test
    void onlyEcP256KeysAreTaken() throws Exception {
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair key = p384.generateKeyPair();
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=h1"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
        assertThatThrownBy(() -> HostCsr.parse(der)).hasMessage("certification request: key EC (expected: EC P-256)");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaKey = rsa.generateKeyPair();
        byte[] rsaDer = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=h1"), rsaKey.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(rsaKey.getPrivate())).getEncoded();
        assertThatThrownBy(() -> HostCsr.parse(rsaDer)).hasMessage("certification request: key algorithm 1.2.840.113549.1.1.1"
                + " (expected: EC P-256)");
    }

    @Test
    void theSubjectMustBeOneValidHostName() throws Exception {
        KeyPair key = HostCsr.generateKey();
        for (String subject : new String[] {"CN=H1", "CN=h1,O=evil", "O=h1"}) {
            byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Principal(subject), key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
            assertThatThrownBy(() -> HostCsr.parse(der)).as(subject).hasMessageStartingWith("certification request: subject '")
                    .hasMessageEndingWith("' (expected: CN=NAME only, NAME a host name of 1-63 lowercase letters, digits or '-')");
        }
        assertThatThrownBy(() -> HostCsr.create(key, "H 1")).hasMessageStartingWith("host name: 'H 1' (expected:");
    }

    @Test
    void garbageIsNotARequest() {
        assertThatThrownBy(() -> HostCsr.parse(new byte[0])).hasMessage("certification request: empty (expected: a PKCS#10 request in DER)");
        assertThatThrownBy(() -> HostCsr.parse(new byte[] {1, 2, 3})).hasMessage("certification request: 3 bytes that are not"
                + " a PKCS#10 request (expected: a PKCS#10 request in DER)");
    }
}

package dev.fleetnet.controller.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds and signs (SHA256withECDSA, random 127-bit serials) the two shapes of X.509 certificate
 * fleetnet's CAs make: a self-signed CA, and a leaf for one extended key usage. The CA classes
 * choose every name, key, lifetime and constraint; this class only writes them down.
 */
public final class CertificateBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CertificateBuilder() {}

    /** A self-signed CA: {@code constraints} (critical), keyCertSign and cRLSign (critical), its key's identifier. */
    public record CaSpec(X500Principal subject, KeyPair keys, BasicConstraints constraints, Instant notBefore, Instant notAfter) {}

    /**
     * A leaf for {@code key}: no CA, digitalSignature (critical), {@code purpose} as its only extended
     * key usage, {@code names} as its subject alternative names, both key identifiers. Its
     * {@code notAfter} is cut to the issuer's: a leaf never outlives its CA.
     */
    public record LeafSpec(X500Principal subject, PublicKey key, List<GeneralName> names, KeyPurposeId purpose, Instant notBefore,
            Instant notAfter) {}

    /** {@code CN={commonName} {12 random hex digits}}: a CA name no other fleet's CA has. */
    public static X500Principal uniqueName(String commonName) {
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        return new X500Principal("CN=" + commonName + " " + HexFormat.of().formatHex(id));
    }

    /** A new EC P-256 key pair. */
    public static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator", e);
        }
    }

    public static X509Certificate selfSignedCa(CaSpec ca) throws GeneralSecurityException {
        PublicKey key = ca.keys().getPublic();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.subject(), serial(), Date.from(ca.notBefore()),
                    Date.from(ca.notAfter()), ca.subject(), key)
                    .addExtension(Extension.basicConstraints, true, ca.constraints())
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key));
            return sign(builder, ca.keys().getPrivate());
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    public static X509Certificate leaf(X509Certificate issuer, PrivateKey issuerKey, LeafSpec leaf) throws GeneralSecurityException {
        Instant notAfter = leaf.notAfter();
        if (notAfter.isAfter(issuer.getNotAfter().toInstant())) {
            notAfter = issuer.getNotAfter().toInstant();
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(leaf.notBefore()),
                    Date.from(notAfter), leaf.subject(), leaf.key())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(leaf.purpose()))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(leaf.names().toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(leaf.key()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuer));
            return sign(builder, issuerKey);
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}

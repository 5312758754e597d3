package dev.fleetnet.ingress.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.SSLException;

/**
 * Checks that a PKCS#8 PEM private key belongs to a PEM chain's leaf, by signing with one and
 * verifying with the other: not every TLS provider notices a mismatch before the first handshake.
 */
final class KeyMatch {
    private static final byte[] PROBE = "fleetnet key check".getBytes(StandardCharsets.US_ASCII);

    private KeyMatch() {}

    static void check(String chainPem, String keyPem) throws SSLException {
        X509Certificate leaf;
        try {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SSLException("certificate chain: not a PEM X.509 certificate (" + e.getMessage() + ")", e);
        }
        PublicKey publicKey = leaf.getPublicKey();
        PrivateKey key = privateKey(keyPem, publicKey.getAlgorithm());
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // an algorithm this check does not know: the provider's own checks apply
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // fall through: the key cannot sign for this certificate
        }
        throw new SSLException("private key does not match the certificate for " + leaf.getSubjectX500Principal().getName()
                + " (expected: the key of the chain's first certificate)");
    }

    private static PrivateKey privateKey(String pem, String algorithm) throws SSLException {
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new SSLException("private key: not a PKCS#8 PEM key (expected: -----BEGIN PRIVATE KEY-----)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SSLException("private key: not a PKCS#8 " + algorithm + " key matching the certificate (" + e.getMessage() + ")", e);
        }
    }
}

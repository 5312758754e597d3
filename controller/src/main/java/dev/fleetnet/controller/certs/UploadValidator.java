package dev.fleetnet.controller.certs;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.Hostnames;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * Checks an uploaded certificate before anything is written: the PEM parses, the key is the
 * leaf's, the leaf is a TLS server certificate (not a CA's, whose key would sign for any name on
 * every host), covers the hostname and is valid now, and each certificate of the chain is signed
 * by the next. Refusals are {@link IllegalArgumentException}s naming the reason and the
 * value, never the key.
 */
public final class UploadValidator {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_PURPOSE = "2.5.29.37.0";

    private UploadValidator() {}

    /** The certificate to store for {@code hostname} (normalized), with the key as PKCS#8 and the chain re-encoded. */
    public static Certificate validate(String hostname, String chainPem, String keyPem, Instant now) {
        String host = Hostnames.normalize(hostname);
        List<X509Certificate> chain = Pem.certificates(chainPem);
        PrivateKey key = Pem.privateKey(keyPem);
        X509Certificate leaf = chain.get(0);
        requireKeyMatches(leaf, key);
        requireServerLeaf(leaf);
        requireCovers(leaf, host);
        for (int i = 0; i < chain.size(); i++) {
            requireValid(chain.get(i), i, now);
        }
        requireOrdered(chain);
        return Certificate.newBuilder().setHostname(host).setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED)
                .setCertificateChainPem(Pem.chain(chain)).setPrivateKeyPem(Pem.privateKey(key))
                .setInfo(CertificateFacts.info(host, CertificateSource.CERTIFICATE_SOURCE_UPLOADED, leaf)).build();
    }

    /** Signs a random challenge with the key and verifies it with the leaf's public key. */
    public static void requireKeyMatches(X509Certificate leaf, PrivateKey key) {
        PublicKey publicKey = leaf.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("private key: algorithm " + key.getAlgorithm()
                    + " (expected: EC, RSA or Ed25519)");
        };
        boolean matches;
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            matches = false; // e.g. an EC key against an RSA certificate
        }
        if (!matches) {
            throw new IllegalArgumentException("private key: does not match the certificate's public key ("
                    + CertificateFacts.keyType(publicKey) + ", certificate " + subject(leaf) + ", sha256 "
                    + CertificateFacts.fingerprint(leaf) + ") (expected: the key the leaf certificate was issued for)");
        }
    }

    /**
     * Not a CA certificate, and for TLS servers when it says what it is for (RFC 5280 4.2.1.9,
     * 4.2.1.12): the key goes to every host, and clients would refuse the rest anyway.
     */
    static void requireServerLeaf(X509Certificate leaf) {
        if (leaf.getBasicConstraints() >= 0) {
            throw new IllegalArgumentException("certificate " + subject(leaf) + ": a CA certificate (basic constraints CA:TRUE)"
                    + " (expected: a leaf certificate for the hostname, issued by a CA; never a CA's own key)");
        }
        List<String> purposes;
        try {
            purposes = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate " + subject(leaf) + ": unreadable extended key usage (" + e.getMessage() + ")");
        }
        if (purposes != null && !purposes.contains(SERVER_AUTH) && !purposes.contains(ANY_PURPOSE)) {
            throw new IllegalArgumentException("certificate " + subject(leaf) + ": extended key usage " + purposes
                    + " (expected: TLS server authentication, " + SERVER_AUTH + ")");
        }
    }

    /** The DNS SANs, or the CN when there are none (RFC 6125 ignores the CN when SANs exist). */
    static void requireCovers(X509Certificate leaf, String host) {
        if (host.startsWith("*.") && host.indexOf('.', 2) < 0) {
            throw new IllegalArgumentException("hostname: '" + host + "' is a wildcard over a top-level domain"
                    + " (expected: a wildcard over a registered domain, such as *.example.com)");
        }
        List<String> names = CertificateFacts.dnsNames(leaf);
        if (names.isEmpty() && !CertificateFacts.commonName(leaf).isEmpty()) {
            names = List.of(CertificateFacts.commonName(leaf));
        }
        if (!HostnameCoverage.covers(names, host)) {
            throw new IllegalArgumentException("hostname: '" + host + "' is not covered by the certificate's names " + names
                    + " (expected: a name equal to it, or a one-label wildcard such as *.example.com over a.example.com)");
        }
    }

    static void requireValid(X509Certificate certificate, int index, Instant now) {
        String which = index == 0 ? "certificate " + subject(certificate) : "chain certificate " + (index + 1) + " " + subject(certificate);
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isBefore(notBefore)) {
            throw new IllegalArgumentException(which + ": not valid before " + notBefore + " (expected: valid now, " + now + ")");
        }
        if (now.isAfter(notAfter)) {
            throw new IllegalArgumentException(which + ": expired " + notAfter + " (expected: valid now, " + now + ")");
        }
    }

    /** Each certificate is signed by the one after it. */
    static void requireOrdered(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate child = chain.get(i);
            X509Certificate issuer = chain.get(i + 1);
            boolean signed = child.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
            if (signed) {
                try {
                    child.verify(issuer.getPublicKey());
                } catch (GeneralSecurityException e) {
                    signed = false;
                }
            }
            if (!signed) {
                throw new IllegalArgumentException("certificate chain: certificate " + (i + 1) + " " + subject(child)
                        + " (issuer " + child.getIssuerX500Principal().getName(X500Principal.RFC2253) + ") is not signed by certificate "
                        + (i + 2) + " " + subject(issuer) + " (expected: the leaf first, then each issuer in order)");
            }
        }
    }

    private static String subject(X509Certificate certificate) {
        return "'" + certificate.getSubjectX500Principal().getName(X500Principal.RFC2253) + "'";
    }
}

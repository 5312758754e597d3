package dev.fleetnet.controller.certs;

import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** The facts of a leaf certificate that lists and renewals need: names, issuer, validity, fingerprint, key type. */
public final class CertificateFacts {
    private static final Map<String, String> CURVES = Map.of(
            "1.2.840.10045.3.1.7", "P-256", "1.3.132.0.34", "P-384", "1.3.132.0.35", "P-521");

    private CertificateFacts() {}

    public static CertificateInfo info(String hostname, CertificateSource source, X509Certificate leaf) {
        return CertificateInfo.newBuilder().setHostname(hostname).setSource(source).addAllNames(dnsNames(leaf))
                .setIssuer(leaf.getIssuerX500Principal().getName(X500Principal.RFC2253))
                .setNotBeforeEpochSeconds(leaf.getNotBefore().toInstant().getEpochSecond())
                .setNotAfterEpochSeconds(leaf.getNotAfter().toInstant().getEpochSecond())
                .setSha256Fingerprint(fingerprint(leaf)).setKeyType(keyType(leaf.getPublicKey())).build();
    }

    /** The subject alternative DNS names, lower case, in the certificate's order. */
    public static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.get(0) instanceof Integer type && type == 2) {
                        names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate: unreadable subject alternative names (" + e.getMessage() + ")");
        }
        return names;
    }

    /** The subject's common name, lower case, or empty. */
    public static String commonName(X509Certificate certificate) {
        for (String rdn : certificate.getSubjectX500Principal().getName(X500Principal.RFC2253).split("(?<!\\\\),")) {
            if (rdn.regionMatches(true, 0, "CN=", 0, 3)) {
                return rdn.substring(3).toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }

    /** SHA-256 of the DER, lower-case hex. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** "EC P-256", "RSA 2048", "Ed25519", or the algorithm name. */
    public static String keyType(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key.getAlgorithm().equals("EC")) {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.getEncoded());
            if (spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve) {
                return "EC " + CURVES.getOrDefault(curve.getId(), curve.getId());
            }
            return "EC";
        }
        return key.getAlgorithm();
    }
}

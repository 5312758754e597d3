package dev.fleetnet.controller.acme;

import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/** The facts of an issued leaf ({@link CertificateInfo}) and the PEM text stored in etcd. */
public final class AcmeCertificateFacts {
    private AcmeCertificateFacts() {}

    public static CertificateInfo info(String hostname, X509Certificate leaf) {
        return CertificateInfo.newBuilder().setHostname(hostname).setSource(CertificateSource.CERTIFICATE_SOURCE_ACME)
                .addAllNames(dnsNames(leaf)).setIssuer(leaf.getIssuerX500Principal().getName())
                .setNotBeforeEpochSeconds(leaf.getNotBefore().toInstant().getEpochSecond())
                .setNotAfterEpochSeconds(leaf.getNotAfter().toInstant().getEpochSecond())
                .setSha256Fingerprint(sha256(leaf)).setKeyType(keyType(leaf.getPublicKey())).build();
    }

    public static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        names.add((String) san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate " + leaf.getSubjectX500Principal() + ": unreadable subject alternative names: "
                    + e.getMessage(), e);
        }
        return names;
    }

    public static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("sha256 of " + certificate.getSubjectX500Principal() + ": " + e.getMessage(), e);
        }
    }

    /** "EC P-256", "RSA 2048", or the algorithm name for anything else. */
    public static String keyType(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return "EC P-" + bits;
        }
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        return key.getAlgorithm();
    }

    public static String chainPem(List<X509Certificate> chain) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : chain) {
            try {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("encoding " + c.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
        }
        return pem.toString();
    }

    /** PKCS#8 PEM ("PRIVATE KEY"); the key's own encoding is PKCS#8 for EC and RSA keys. */
    public static String privateKeyPem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key format: " + key.getFormat() + " (expected: PKCS#8)");
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}

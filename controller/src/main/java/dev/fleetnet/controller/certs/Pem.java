package dev.fleetnet.controller.certs;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM in and out: certificate chains and private keys (PKCS#8 "PRIVATE KEY", and the traditional
 * "EC PRIVATE KEY" / "RSA PRIVATE KEY" forms on input). Errors never quote key material.
 * Public so other controller packages (the ACME issuer) can share it.
 */
public final class Pem {
    private Pem() {}

    public static String certificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    public static String chain(List<X509Certificate> chain) {
        StringBuilder out = new StringBuilder();
        chain.forEach(c -> out.append(certificate(c)));
        return out.toString();
    }

    /** PKCS#8, the form {@code Certificate.private_key_pem} holds. */
    public static String privateKey(PrivateKey key) {
        return encode("PRIVATE KEY", key.getEncoded());
    }

    private static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Every CERTIFICATE block, in order; refuses other blocks, garbage, or none. */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object block;
            while ((block = parser.readObject()) != null) {
                if (!(block instanceof X509CertificateHolder holder)) {
                    throw new IllegalArgumentException("certificate: PEM block " + (chain.size() + 1) + " is "
                            + block.getClass().getSimpleName() + " (expected: only CERTIFICATE blocks, the leaf first)");
                }
                chain.add(converter.getCertificate(holder));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("certificate:")) {
                throw iae;
            }
            throw new IllegalArgumentException("certificate: unparsable PEM (" + e.getMessage() + ") (expected: PEM CERTIFICATE blocks)");
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate: no PEM CERTIFICATE block found (expected: the leaf first, then intermediates)");
        }
        return chain;
    }

    /** The one private key in {@code pem}: PKCS#8, or traditional EC/RSA; encrypted keys are refused. */
    public static PrivateKey privateKey(String pem) {
        Object block;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            block = parser.readObject();
        } catch (IOException | RuntimeException e) {
            // the message of a parse error may quote the input: never repeat it
            throw new IllegalArgumentException("private key: unparsable PEM (" + e.getClass().getSimpleName()
                    + ") (expected: PEM PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
        }
        try {
            return switch (block) {
                case PrivateKeyInfo info -> toPrivateKey(info);
                case PEMKeyPair pair -> toPrivateKey(pair.getPrivateKeyInfo());
                case PEMEncryptedKeyPair encrypted -> throw encrypted();
                case PKCS8EncryptedPrivateKeyInfo encrypted -> throw encrypted();
                case null -> throw new IllegalArgumentException(
                        "private key: no PEM block found (expected: PEM PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
                default -> throw new IllegalArgumentException("private key: PEM block is " + block.getClass().getSimpleName()
                        + " (expected: PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("private key: unreadable key (" + e.getClass().getSimpleName()
                    + ") (expected: an EC or RSA private key)");
        } catch (GeneralSecurityException e) {
            // key factory messages describe the structure, never the key's value
            throw new IllegalArgumentException("private key: unreadable key (" + e.getMessage()
                    + ") (expected: an EC or RSA private key)");
        }
    }

    /** Through the platform's key factories (BC's converter asks for "ECDSA", which only BC's provider has). */
    private static PrivateKey toPrivateKey(PrivateKeyInfo info) throws IOException, GeneralSecurityException {
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String algorithm = switch (oid) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.3.101.112" -> "Ed25519";
            default -> throw new IllegalArgumentException("private key: algorithm " + oid + " (expected: EC, RSA or Ed25519)");
        };
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    }

    private static IllegalArgumentException encrypted() {
        return new IllegalArgumentException("private key: encrypted (expected: an unencrypted key; decrypt it with openssl pkey first)");
    }
}

package dev.fleetnet.controller.certs;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made in tests with BouncyCastle: key pairs, CAs and leaves with chosen names and validity. */
final class TestCertificates {
    private TestCertificates() {}

    /** A certificate and its key. */
    record Issued(X509Certificate certificate, KeyPair keys) {
        String pem() {
            return Pem.certificate(certificate);
        }

        /** PKCS#8 "PRIVATE KEY". */
        String keyPem() {
            return Pem.privateKey(keys.getPrivate());
        }

        /** The traditional OpenSSL form, "EC PRIVATE KEY" or "RSA PRIVATE KEY", as openssl writes it. */
        String traditionalKeyPem() throws Exception {
            Process openssl = new ProcessBuilder("openssl", "pkey", "-traditional").redirectErrorStream(true).start();
            try (var in = openssl.getOutputStream()) {
                in.write(keyPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            String out = new String(openssl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            if (openssl.waitFor() != 0) {
                throw new IllegalStateException("openssl pkey -traditional failed: " + out);
            }
            return out;
        }
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static Issued ca(String name, KeyPair keys, Issued parent, Instant from, Instant to) throws Exception {
        return build("CN=" + name, List.of(), keys, parent, from, to, true, null);
    }

    static Issued leaf(String cn, List<String> sans, KeyPair keys, Issued issuer, Instant from, Instant to) throws Exception {
        return build("CN=" + cn, sans, keys, issuer, from, to, false, null);
    }

    /** A CA certificate (basic constraints CA:TRUE) that also names {@code sans}, valid a day either side of now. */
    static Issued caWithNames(KeyPair keys, Issued issuer, String... sans) throws Exception {
        Instant now = Instant.now();
        return build("CN=" + sans[0], List.of(sans), keys, issuer, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)), true, null);
    }

    /** A leaf for {@code sans} whose extended key usage is {@code purposes} only, valid a day either side of now. */
    static Issued leafFor(List<KeyPurposeId> purposes, KeyPair keys, Issued issuer, String... sans) throws Exception {
        Instant now = Instant.now();
        return build("CN=" + sans[0], List.of(sans), keys, issuer, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)), false,
                purposes);
    }

    /** Self-signed leaf for {@code sans}, valid a day either side of now. */
    static Issued selfSigned(KeyPair keys, String... sans) throws Exception {
        Instant now = Instant.now();
        return leaf(sans.length == 0 ? "nobody" : sans[0], List.of(sans), keys, null,
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)));
    }

    private static Issued build(String subject, List<String> sans, KeyPair keys, Issued issuer, Instant from, Instant to,
            boolean ca, List<KeyPurposeId> purposes) throws Exception {
        X500Principal issuerName = issuer == null ? new X500Principal(subject) : issuer.certificate().getSubjectX500Principal();
        PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(System.nanoTime()),
                Date.from(from), Date.from(to), new X500Principal(subject), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!sans.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.stream().map(s -> new GeneralName(GeneralName.dNSName, s)).toArray(GeneralName[]::new)));
        }
        if (purposes != null) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
        }
        String algorithm = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        X509Certificate certificate = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signer)));
        return new Issued(certificate, keys);
    }
}

package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Self-signed EC P-256 certificates made by the openssl CLI, as the views carry them. */
public final class TestCertificates {
    private static int serial;

    private TestCertificates() {}

    /** A certificate for {@code hostname} (exact or {@code *.parent}) from {@code source}, with its leaf's fingerprint in its info. */
    public static synchronized Certificate make(Path dir, String hostname, CertificateSource source) throws IOException, InterruptedException {
        Path work = Files.createDirectories(dir.resolve("cert-" + serial++));
        Path key = work.resolve("key.pem");
        Path cert = work.resolve("cert.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + hostname,
                "-addext", "subjectAltName=DNS:" + hostname).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl req failed: " + output);
        }
        String chain = Files.readString(cert);
        return Certificate.newBuilder().setHostname(hostname).setSource(source).setCertificateChainPem(chain)
                .setPrivateKeyPem(Files.readString(key))
                .setInfo(CertificateInfo.newBuilder().setHostname(hostname).setSource(source)
                        .setSha256Fingerprint(fingerprint(leaf(chain))))
                .build();
    }

    public static X509Certificate leaf(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static String fingerprint(java.security.cert.Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts exactly {@code trusted}, with the given protocols enabled by the caller. */
    public static SSLContext trusting(List<Certificate> trusted) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
            store.setCertificateEntry("c" + i, leaf(trusted.get(i).getCertificateChainPem()));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}

package dev.fleetnet.controller.acme;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Extra roots to trust for the ACME directory's HTTPS (e.g. a test CA), only for the ACME client. */
public final class AcmeTrust {
    private AcmeTrust() {}

    /** Reads every certificate of a PEM file; {@code flag} names the file in errors. */
    public static List<X509Certificate> readPem(String flag, Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(flag + ": " + file + ": " + e.getMessage() + " (expected: a readable PEM file of certificates)", e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(flag + ": " + file + ": no certificate (expected: one or more PEM CERTIFICATE blocks)");
        }
        return out;
    }

    /** An SSL context trusting exactly these roots. */
    public static SSLContext sslContext(List<X509Certificate> roots) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                store.setCertificateEntry("acme-ca-" + i, roots.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("trust store for the ACME directory: " + e.getMessage(), e);
        }
    }
}

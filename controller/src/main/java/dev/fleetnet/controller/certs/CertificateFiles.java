package dev.fleetnet.controller.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's serving certificate and key, kept in two PEM files that the operator (or their
 * renewal tool: certbot, an ACME client, a secrets agent) replaces: {@link #reloadIfChanged}
 * reads them again and, when they changed and belong together, serves the new pair from the next
 * handshake on, without a restart (open connections keep theirs). A pair that does not parse or
 * does not match, such as the moment between a tool writing the certificate and the key, is
 * logged once with the reason and the last good pair stays served.
 */
public final class CertificateFiles {
    private static final Logger log = LoggerFactory.getLogger(CertificateFiles.class);

    private final String what;
    private final Path certFile;
    private final Path keyFile;
    private final ServingKeys keys = new ServingKeys();
    /** The contents last read (served, or refused and already logged), so an unchanged pair costs two reads. */
    private byte[] lastCert;
    private byte[] lastKey;
    /** The last reason the files could not be read, logged once until it changes. */
    private String lastReadProblem;

    private CertificateFiles(String what, Path certFile, Path keyFile) {
        this.what = what;
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    /**
     * Reads the pair now; {@code what} names it in logs and errors ("API certificate").
     *
     * @throws IllegalArgumentException naming the file and the reason when a file cannot be read,
     *         does not parse, or the key is not the leaf's
     */
    public static CertificateFiles load(String what, Path certFile, Path keyFile) {
        CertificateFiles files = new CertificateFiles(what, certFile, keyFile);
        files.lastCert = read(certFile);
        files.lastKey = read(keyFile);
        files.serve(files.lastCert, files.lastKey);
        return files;
    }

    /** The leaf served now. */
    public X509Certificate leaf() {
        return keys.leaf();
    }

    /** The key manager a listener's TLS uses: always the pair served now. */
    public X509ExtendedKeyManager keyManager() {
        return keys.keyManager();
    }

    /**
     * Reads both files again and serves them if they changed and belong together; true if a new
     * pair is served. A refusal is logged once per content (not at every check) and changes nothing.
     */
    public synchronized boolean reloadIfChanged() {
        byte[] cert;
        byte[] key;
        try {
            cert = read(certFile);
            key = read(keyFile);
        } catch (IllegalArgumentException e) { // e.g. removed for a moment by a tool that replaces it
            if (!e.getMessage().equals(lastReadProblem)) {
                log.warn("{}: {}; still serving {}", what, e.getMessage(), describe(leaf()));
            }
            lastReadProblem = e.getMessage();
            return false;
        }
        lastReadProblem = null;
        if (Arrays.equals(cert, lastCert) && Arrays.equals(key, lastKey)) {
            return false;
        }
        lastCert = cert;
        lastKey = key;
        try {
            serve(cert, key);
        } catch (IllegalArgumentException e) {
            log.warn("{}: {} and {} changed but are not served: {}; still serving {}", what, certFile, keyFile,
                    e.getMessage(), describe(leaf()));
            return false;
        }
        log.info("{}: serving {} from {} and {}", what, describe(leaf()), certFile, keyFile);
        return true;
    }

    /** Parses and checks the pair, then serves it from the next handshake on. */
    private void serve(byte[] cert, byte[] key) {
        List<X509Certificate> chain;
        PrivateKey privateKey;
        try {
            chain = Pem.certificates(new String(cert, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(certFile + ": " + e.getMessage(), e);
        }
        try {
            privateKey = Pem.privateKey(new String(key, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyFile + ": " + e.getMessage(), e);
        }
        try {
            UploadValidator.requireKeyMatches(chain.get(0), privateKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyFile + ": " + e.getMessage(), e);
        }
        keys.swap(privateKey, chain);
    }

    private static String describe(X509Certificate leaf) {
        return leaf.getSubjectX500Principal().getName() + " (until " + leaf.getNotAfter().toInstant() + ")";
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + ") (expected: a readable PEM file)");
        }
    }
}

package dev.fleetnet.agent.identity;

import dev.fleetnet.core.DurableFiles;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * This host's identity in its state directory: {@code host.key} (its EC P-256 private key,
 * PKCS#8 PEM, made once before the first join) and {@code host.crt} (the certificate the host CA
 * issued for it), both owner-only and written durably. A certificate for another host or another
 * key is an error that says how to start over, never silently replaced.
 */
public final class CredentialFiles {
    public static final String KEY_FILE = "host.key";
    public static final String CERTIFICATE_FILE = "host.crt";
    private final Path dir;
    private final String hostName;

    public CredentialFiles(Path dir, String hostName) {
        this.dir = dir;
        this.hostName = hostName;
    }

    public Path keyFile() {
        return dir.resolve(KEY_FILE);
    }

    public Path certificateFile() {
        return dir.resolve(CERTIFICATE_FILE);
    }

    /** The key and certificate, if this host has joined; empty before its first join. */
    public Optional<HostCredentials> load() throws IOException {
        if (!Files.exists(certificateFile())) {
            return Optional.empty();
        }
        if (!Files.exists(keyFile())) {
            throw new IOException(certificateFile() + ": present without " + KEY_FILE + " (expected: both, or neither before"
                    + " the first join; remove " + CERTIFICATE_FILE + " to join again with a token)");
        }
        X509Certificate certificate = readCertificate();
        PrivateKey key = readKey();
        String named;
        try {
            named = HostNames.hostOf(certificate);
        } catch (IllegalArgumentException e) {
            throw new IOException(certificateFile() + ": " + e.getMessage());
        }
        if (!named.equals(hostName)) {
            throw new IOException(certificateFile() + ": the certificate of host '" + named + "' (expected: host '" + hostName
                    + "' as --host-name says; another host's state directory? remove " + KEY_FILE + " and " + CERTIFICATE_FILE
                    + " to join as '" + hostName + "' with a token)");
        }
        if (!HostCsr.publicKeyOf(key).equals(certificate.getPublicKey())) {
            throw new IOException(certificateFile() + ": certifies another key than " + keyFile() + " (expected: the"
                    + " certificate of this key; remove " + CERTIFICATE_FILE + " to join again with a token)");
        }
        return Optional.of(new HostCredentials(key, certificate));
    }

    /** The key to join with: the one already made (a join that failed half way), else a new one, saved before it is used. */
    public KeyPair keyForJoin() throws IOException {
        if (Files.exists(keyFile())) {
            PrivateKey key = readKey();
            return new KeyPair(HostCsr.publicKeyOf(key), key);
        }
        KeyPair key = HostCsr.generateKey();
        DurableFiles.write(keyFile(), IdentityPem.privateKey(key.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                DurableFiles.OWNER_ONLY);
        return key;
    }

    /** Saves a certificate of this host's key (from a join or a renewal); owner-only like everything of its identity. */
    public void saveCertificate(X509Certificate certificate) throws IOException {
        DurableFiles.write(certificateFile(), IdentityPem.certificate(certificate).getBytes(StandardCharsets.US_ASCII),
                DurableFiles.OWNER_ONLY);
    }

    private X509Certificate readCertificate() throws IOException {
        try {
            return IdentityPem.certificates(Files.readString(certificateFile(), StandardCharsets.US_ASCII)).get(0);
        } catch (IllegalArgumentException e) {
            throw new IOException(certificateFile() + ": " + e.getMessage());
        }
    }

    private PrivateKey readKey() throws IOException {
        try {
            return IdentityPem.ecPrivateKey(Files.readString(keyFile(), StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(keyFile() + ": " + e.getMessage());
        }
    }
}

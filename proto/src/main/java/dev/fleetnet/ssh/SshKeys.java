package dev.fleetnet.ssh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.Map;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * OpenSSH key formats in one place: public key and certificate lines, SHA-256 fingerprints, and
 * unencrypted ed25519 private keys ("OPENSSH PRIVATE KEY"). Errors name the value and what was expected.
 */
public final class SshKeys {
    private SshKeys() {}

    /** One public key line ({@code ssh-ed25519 AAAA... comment}); certificates are refused here. */
    public static PublicKey parsePublicKey(String line) {
        PublicKey key = parse(line, "public key");
        if (key instanceof OpenSshCertificate) {
            throw new IllegalArgumentException("public key: '" + abbreviate(line) + "' is a certificate (expected: a plain public key, "
                    + "as in id_ed25519.pub)");
        }
        return key;
    }

    /** One OpenSSH certificate line ({@code ssh-ed25519-cert-v01@openssh.com AAAA...}). */
    public static OpenSshCertificate parseCertificate(String line) {
        PublicKey key = parse(line, "certificate");
        if (!(key instanceof OpenSshCertificate certificate)) {
            throw new IllegalArgumentException("certificate: '" + abbreviate(line) + "' (expected: an OpenSSH certificate, as in id_ed25519-cert.pub)");
        }
        return certificate;
    }

    private static PublicKey parse(String line, String what) {
        String trimmed = line == null ? "" : line.strip();
        try {
            PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(trimmed);
            PublicKey key = entry == null ? null : entry.resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
            if (key == null) {
                throw new IllegalArgumentException("empty");
            }
            return key;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": '" + abbreviate(trimmed) + "' does not parse (" + e.getMessage()
                    + "; expected: one OpenSSH line such as 'ssh-ed25519 AAAA... comment')", e);
        }
    }

    /** The key as one OpenSSH line, without comment. */
    public static String line(PublicKey key) {
        return PublicKeyEntry.toString(key);
    }

    /** {@code SHA256:...}, as {@code ssh-keygen -l} prints it. */
    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(key instanceof OpenSshCertificate c ? c.getCertPubKey() : key);
    }

    public static KeyPair generateEd25519() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key (is BouncyCastle on the class path?)", e);
        }
    }

    /** Unencrypted OpenSSH private key file text, as {@code ssh-keygen} writes it. */
    public static String privateKeyText(KeyPair pair, String comment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode a private key", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads what {@link #privateKeyText} wrote. */
    public static KeyPair parsePrivateKey(String text) {
        try {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName("private key"),
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IllegalArgumentException("private key: no key found (expected: an OPENSSH PRIVATE KEY block)");
            }
            return it.next();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("private key: does not parse (" + e.getMessage() + ")", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}

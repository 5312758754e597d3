package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.identity.JoinRefused.Kind;
import dev.fleetnet.identity.HostNames;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * What a presented client certificate proves by itself (pure): that the host CA issued it, that
 * it is valid now, that it is a host certificate, and which host it names. Whether that host may
 * still use it (pinned key, revocation) is {@link HostAuthenticator}'s part, from etcd.
 */
public final class HostCertificateCheck {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private HostCertificateCheck() {}

    /** A certificate the host CA issued to {@code host}, valid now. */
    public record Presented(String host, String keySha256, String serial, Instant notAfter) {}

    /** The host {@code chain}'s leaf names, or why it names none. */
    public static Presented check(Certificate[] chain, X509Certificate ca, Instant now) throws JoinRefused {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate: none (expected: this host's certificate from"
                    + " the fleet host CA; an agent without one joins first, with a join token)");
        }
        String subject = leaf.getSubjectX500Principal().getName();
        String issuer = leaf.getIssuerX500Principal().getName();
        String caName = ca.getSubjectX500Principal().getName();
        if (!issuer.equals(caName)) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate '" + subject + "': issued by '" + issuer
                    + "' (expected: the fleet host CA '" + caName + "'; a certificate from this fleet's join)");
        }
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate '" + subject + "': names the fleet host CA '"
                    + caName + "' as its issuer but its signature does not verify with that CA's key (expected: a"
                    + " certificate the fleet host CA signed; this one is forged)");
        }
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate '" + subject + "' (serial "
                    + HostNames.serial(leaf) + "): expired at " + notAfter + " (expected: valid now, " + now
                    + "; the host joins again with a new token)");
        }
        if (now.isBefore(notBefore)) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate '" + subject + "' (serial "
                    + HostNames.serial(leaf) + "): not valid before " + notBefore + " (expected: valid now, " + now
                    + "; check this host's clock)");
        }
        if (leaf.getBasicConstraints() != -1 || !extendedKeyUsage(leaf).contains(CLIENT_AUTH)) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client certificate '" + subject + "': not a host certificate"
                    + " (expected: an end-entity certificate for TLS client authentication)");
        }
        String host;
        try {
            host = HostNames.hostOf(leaf);
        } catch (IllegalArgumentException e) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "client " + e.getMessage());
        }
        return new Presented(host, HostNames.keySha256(leaf.getPublicKey()), HostNames.serial(leaf), notAfter);
    }

    private static List<String> extendedKeyUsage(X509Certificate leaf) {
        try {
            List<String> usage = leaf.getExtendedKeyUsage();
            return usage == null ? List.of() : usage;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}

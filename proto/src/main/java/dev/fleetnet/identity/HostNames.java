package dev.fleetnet.identity;

import dev.fleetnet.core.Names;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * How a host certificate names its host: subject {@code CN=NAME} and the one SAN URI
 * {@code fleetnet://host/NAME}, which must agree; and the SHA-256 of a key, by which a host's
 * identity is pinned.
 */
public final class HostNames {
    /** A host certificate's SAN URI is this and the host name. */
    public static final String URI_PREFIX = "fleetnet://host/";
    /** The controller's serving certificate carries this SAN URI. */
    public static final String CONTROLLER_URI = "fleetnet://controller";
    private static final int SAN_URI = 6;

    private HostNames() {}

    public static String uri(String hostName) {
        return URI_PREFIX + Names.check("host name", hostName);
    }

    /**
     * The host {@code certificate} names, or an {@link IllegalArgumentException} saying what it
     * carries instead (no or several {@code fleetnet://host/} URIs, an invalid name, a CN that
     * disagrees).
     */
    public static String hostOf(X509Certificate certificate) {
        String subject = certificate.getSubjectX500Principal().getName();
        List<String> names = new ArrayList<>();
        for (String uri : sanUris(certificate)) {
            if (uri.startsWith(URI_PREFIX)) {
                names.add(uri.substring(URI_PREFIX.length()));
            }
        }
        if (names.size() != 1) {
            throw new IllegalArgumentException("certificate '" + subject + "': " + names.size() + " SAN URIs " + URI_PREFIX
                    + "NAME (expected: exactly one, naming its host)");
        }
        String name = names.get(0);
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("certificate '" + subject + "': SAN URI " + URI_PREFIX + name
                    + " (expected: a host name, 1-63 lowercase letters, digits or '-')");
        }
        String cn = commonName(subject);
        if (!name.equals(cn)) {
            throw new IllegalArgumentException("certificate '" + subject + "': CN '" + cn + "' differs from SAN URI "
                    + URI_PREFIX + name + " (expected: both naming the same host)");
        }
        return name;
    }

    /** The CN of an RFC 2253 distinguished name, or "" when it has none. */
    public static String commonName(String distinguishedName) {
        try {
            for (Rdn rdn : new LdapName(distinguishedName).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // no CN to speak of
        }
        return "";
    }

    /** Hex SHA-256 of the key's SubjectPublicKeyInfo (what {@code openssl pkey -pubin -outform der | sha256sum} prints). */
    public static String keySha256(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** Hex of a certificate's serial number, as etcd keys and logs name it. */
    public static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    private static List<String> sanUris(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate '" + certificate.getSubjectX500Principal().getName()
                    + "': unreadable subject alternative names (" + e.getMessage() + ")");
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() == 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String uri) {
                    uris.add(uri);
                }
            }
        }
        return uris;
    }
}

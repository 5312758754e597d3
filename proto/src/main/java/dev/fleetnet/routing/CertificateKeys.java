package dev.fleetnet.routing;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;

/**
 * How certificates are named in views and in etcd: {@code {source}/{hostname}}, source one of
 * {@code fleet}, {@code uploaded}, {@code acme}. One key per source and hostname, so each source
 * has its own writer and an upload never overwrites what the fleet CA or ACME issued.
 */
public final class CertificateKeys {
    private CertificateKeys() {}

    public static String key(Certificate certificate) {
        return key(certificate.getSource(), certificate.getHostname());
    }

    public static String key(CertificateSource source, String hostname) {
        return segment(source) + "/" + hostname;
    }

    /** The key segment of a source: {@code fleet}, {@code uploaded} or {@code acme}. */
    public static String segment(CertificateSource source) {
        return switch (source) {
            case CERTIFICATE_SOURCE_FLEET -> "fleet";
            case CERTIFICATE_SOURCE_UPLOADED -> "uploaded";
            case CERTIFICATE_SOURCE_ACME -> "acme";
            default -> throw new IllegalArgumentException("certificate source: " + source
                    + " (expected: CERTIFICATE_SOURCE_FLEET, _UPLOADED or _ACME)");
        };
    }

    /** Higher serves first: uploaded, then ACME, then the fleet CA. */
    public static int precedence(CertificateSource source) {
        return switch (source) {
            case CERTIFICATE_SOURCE_UPLOADED -> 3;
            case CERTIFICATE_SOURCE_ACME -> 2;
            case CERTIFICATE_SOURCE_FLEET -> 1;
            default -> 0;
        };
    }
}

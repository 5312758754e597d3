package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.routing.CertificateKeys;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which certificate serves a TLS server name (SNI): the certificate of the exact hostname, else
 * that of the one-label wildcard {@code *.parent}; among the sources holding one hostname the
 * highest {@link CertificateKeys#precedence} wins. Case-insensitive; immutable; pure.
 */
public final class CertificateTable {
    public static final CertificateTable EMPTY = new CertificateTable(Map.of());

    /** Lower-case hostname (exact or {@code *.parent}) to the certificate that serves it. */
    private final Map<String, Certificate> byHostname;

    private CertificateTable(Map<String, Certificate> byHostname) {
        this.byHostname = Map.copyOf(byHostname);
    }

    /** Keeps, for each hostname, the certificate of the best source; certificates with no hostname are ignored. */
    public static CertificateTable of(Collection<Certificate> certificates) {
        Map<String, Certificate> best = new HashMap<>();
        for (Certificate c : certificates) {
            String hostname = normalize(c.getHostname());
            if (hostname.isEmpty()) {
                continue;
            }
            best.merge(hostname, c, (a, b) ->
                    CertificateKeys.precedence(b.getSource()) > CertificateKeys.precedence(a.getSource()) ? b : a);
        }
        return new CertificateTable(best);
    }

    /** The certificate for {@code serverName}, or empty when none covers it (or the name is null or blank). */
    public Optional<Certificate> select(String serverName) {
        if (serverName == null) {
            return Optional.empty();
        }
        String name = normalize(serverName);
        if (name.isEmpty() || name.startsWith("*")) {
            return Optional.empty();
        }
        Certificate exact = byHostname.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        int dot = name.indexOf('.');
        // one label only: *.example.com covers a.example.com, neither example.com nor a.b.example.com
        return dot <= 0 ? Optional.empty() : Optional.ofNullable(byHostname.get("*" + name.substring(dot)));
    }

    /** The certificates that serve some name, one per hostname. */
    public Collection<Certificate> serving() {
        return byHostname.values();
    }

    public int size() {
        return byHostname.size();
    }

    private static String normalize(String hostname) {
        String h = hostname.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}

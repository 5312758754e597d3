package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.routing.CertificateKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which certificate serves a TLS server name (SNI): the certificate of the exact hostname, else
 * that of the one-label wildcard {@code *.parent}; among the sources holding one hostname the
 * highest {@link CertificateKeys#precedence} wins. A certificate that is not valid at the
 * handshake (an upload left to expire) gives way to a valid one of a lower source or of the
 * wildcard, which the controller keeps for exactly that case; when none is valid the best source
 * serves. Case-insensitive; immutable; pure.
 */
public final class CertificateTable {
    public static final CertificateTable EMPTY = new CertificateTable(Map.of());
    private static final Comparator<Certificate> BEST_FIRST =
            Comparator.comparingInt((Certificate c) -> CertificateKeys.precedence(c.getSource())).reversed();

    /** Lower-case hostname (exact or {@code *.parent}) to its certificates, best source first. */
    private final Map<String, List<Certificate>> byHostname;

    private CertificateTable(Map<String, List<Certificate>> byHostname) {
        this.byHostname = Map.copyOf(byHostname);
    }

    /** Orders, for each hostname, its certificates by source; certificates with no hostname are ignored. */
    public static CertificateTable of(Collection<Certificate> certificates) {
        Map<String, List<Certificate>> all = new HashMap<>();
        for (Certificate c : certificates) {
            String hostname = normalize(c.getHostname());
            if (!hostname.isEmpty()) {
                all.computeIfAbsent(hostname, h -> new ArrayList<>()).add(c);
            }
        }
        Map<String, List<Certificate>> sorted = new HashMap<>();
        all.forEach((hostname, list) -> sorted.put(hostname, list.stream().sorted(BEST_FIRST).toList()));
        return new CertificateTable(sorted);
    }

    /** The certificate for {@code serverName} now; see {@link #select(String, Instant)}. */
    public Optional<Certificate> select(String serverName) {
        return select(serverName, Instant.now());
    }

    /**
     * The certificate for {@code serverName} at {@code now}, or empty when none covers it (or the
     * name is null or blank): the first valid one of the exact hostname's then the wildcard's,
     * by source; when none is valid, the best source of the exact hostname, else of the wildcard.
     */
    public Optional<Certificate> select(String serverName, Instant now) {
        if (serverName == null) {
            return Optional.empty();
        }
        String name = normalize(serverName);
        if (name.isEmpty() || name.startsWith("*")) {
            return Optional.empty();
        }
        List<Certificate> candidates = new ArrayList<>(byHostname.getOrDefault(name, List.of()));
        int dot = name.indexOf('.');
        // one label only: *.example.com covers a.example.com, neither example.com nor a.b.example.com
        if (dot > 0) {
            candidates.addAll(byHostname.getOrDefault("*" + name.substring(dot), List.of()));
        }
        return candidates.stream().filter(c -> validAt(c.getInfo(), now)).findFirst().or(() -> candidates.stream().findFirst());
    }

    /** The certificates that serve some name, the best source of each hostname. */
    public Collection<Certificate> serving() {
        return byHostname.values().stream().map(List::getFirst).toList();
    }

    /** How many hostnames have a certificate. */
    public int size() {
        return byHostname.size();
    }

    /** Within its dates; a certificate whose facts do not say (no expiry) counts as valid. */
    private static boolean validAt(CertificateInfo info, Instant now) {
        long seconds = now.getEpochSecond();
        return info.getNotAfterEpochSeconds() == 0
                || (info.getNotBeforeEpochSeconds() <= seconds && seconds <= info.getNotAfterEpochSeconds());
    }

    private static String normalize(String hostname) {
        String h = hostname.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}

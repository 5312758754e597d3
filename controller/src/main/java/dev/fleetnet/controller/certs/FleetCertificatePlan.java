package dev.fleetnet.controller.certs;

import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the fleet CA must issue and delete, computed from the route hostnames and the
 * certificates there are. The fleet wants a certificate for {@code *.{suffix}} always, and for
 * every route hostname that neither an unexpired uploaded or ACME certificate nor the suffix
 * wildcard covers. A fleet certificate is renewed when less than a third of its lifetime
 * remains or another CA issued it; one no route wants any more is deleted.
 */
public record FleetCertificatePlan(List<Issue> issue, List<String> delete) {
    /** Why a hostname gets a new certificate. */
    public enum Reason { MISSING, RENEWAL, OTHER_CA }

    public record Issue(String hostname, Reason reason) {}

    public FleetCertificatePlan {
        issue = List.copyOf(issue);
        delete = List.copyOf(delete);
    }

    public boolean isEmpty() {
        return issue.isEmpty() && delete.isEmpty();
    }

    /**
     * @param suffix the ingress suffix ({@code fleet.internal})
     * @param routeHostnames the hostnames of the explicit routes, normalized (exact or wildcard)
     * @param existing every certificate of every source
     * @param caIssuer the fleet CA's subject, RFC 2253, as leaf infos name their issuer
     */
    public static FleetCertificatePlan compute(String suffix, Collection<String> routeHostnames, Collection<CertificateInfo> existing,
            String caIssuer, Instant now) {
        String wildcard = "*." + suffix;
        List<CertificateInfo> others = existing.stream()
                .filter(c -> c.getSource() != CertificateSource.CERTIFICATE_SOURCE_FLEET)
                .filter(c -> !now.isAfter(Instant.ofEpochSecond(c.getNotAfterEpochSeconds()))).toList();
        Set<String> wanted = new TreeSet<>();
        wanted.add(wildcard);
        for (String host : routeHostnames) {
            boolean covered = HostnameCoverage.covers(wildcard, host)
                    || others.stream().anyMatch(c -> HostnameCoverage.covers(c.getHostname(), host));
            if (!covered) {
                wanted.add(host);
            }
        }
        Map<String, CertificateInfo> fleet = existing.stream().filter(c -> c.getSource() == CertificateSource.CERTIFICATE_SOURCE_FLEET)
                .collect(Collectors.toMap(CertificateInfo::getHostname, Function.identity(), (a, b) -> a, TreeMap::new));
        List<Issue> issue = wanted.stream().map(host -> {
            CertificateInfo have = fleet.get(host);
            if (have == null) {
                return new Issue(host, Reason.MISSING);
            }
            if (!have.getIssuer().equals(caIssuer)) {
                return new Issue(host, Reason.OTHER_CA);
            }
            return needsRenewal(have, now) ? new Issue(host, Reason.RENEWAL) : null;
        }).filter(java.util.Objects::nonNull).toList();
        List<String> delete = fleet.keySet().stream().filter(host -> !wanted.contains(host)).toList();
        return new FleetCertificatePlan(issue, delete);
    }

    /** Less than a third of the lifetime remains. */
    static boolean needsRenewal(CertificateInfo info, Instant now) {
        long lifetime = info.getNotAfterEpochSeconds() - info.getNotBeforeEpochSeconds();
        long remaining = info.getNotAfterEpochSeconds() - now.getEpochSecond();
        return remaining * 3 < lifetime;
    }
}

package dev.fleetnet.controller.acme;

import dev.fleetnet.controller.certs.HostnameCoverage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which hostnames need an ACME certificate and what to do for each now: every exact hostname
 * of an explicit route that is not under the fleet ingress suffix and that no unexpired uploaded
 * certificate covers (its exact name or its one-label wildcard, as {@link HostnameCoverage} and
 * the fleet CA's plan decide). Pure: the caller reads etcd and carries the plan out.
 */
public final class AcmeNames {
    private final String ingressSuffix;
    private final Duration renewBefore;
    private final Backoff backoff;

    public AcmeNames(String ingressSuffix, Duration renewBefore, Backoff backoff) {
        this.ingressSuffix = ingressSuffix.toLowerCase(Locale.ROOT);
        if (renewBefore.isNegative()) {
            throw new IllegalArgumentException("renew before: " + renewBefore + " (expected: zero or more)");
        }
        this.renewBefore = renewBefore;
        this.backoff = backoff;
    }

    /**
     * What etcd holds: route hostnames, the expiry of every uploaded certificate by the hostname it
     * was uploaded for (exact or {@code *.parent}), and the expiry of every ACME certificate.
     */
    public record State(Set<String> routeHostnames, Map<String, Instant> uploadedNotAfter, Map<String, Instant> acmeNotAfter) {
        public State {
            routeHostnames = Set.copyOf(routeHostnames);
            uploadedNotAfter = Map.copyOf(uploadedNotAfter);
            acmeNotAfter = Map.copyOf(acmeNotAfter);
        }
    }

    /**
     * Failed attempts for a name in a row, when the last one ended and why (cut to
     * {@link #MAX_ERROR_LENGTH} characters, since it is stored and shown).
     */
    public record Failures(int count, Instant last, String lastError) {
        public static final int MAX_ERROR_LENGTH = 512;

        public Failures {
            if (count < 1) {
                throw new IllegalArgumentException("failure count: " + count + " (expected: 1 or more)");
            }
            lastError = lastError == null ? "" : lastError.length() <= MAX_ERROR_LENGTH ? lastError
                    : lastError.substring(0, MAX_ERROR_LENGTH - 1) + "…";
        }

        /** The failures after one more failed attempt at {@code at}; {@code previous} is null after a success. */
        public static Failures after(Failures previous, Instant at, String error) {
            return new Failures(previous == null ? 1 : previous.count() + 1, at, error);
        }

        /** When the next attempt may be made under {@code backoff}. */
        public Instant nextAttempt(Backoff backoff) {
            return last.plus(backoff.after(count));
        }
    }

    public enum Action { ORDER, RENEW, WAIT, NOTHING }

    /** The decision for one name; {@code at} is the expiry (RENEW, NOTHING) or the next attempt (WAIT), else null. */
    public record Decision(String hostname, Action action, Instant at) {}

    /**
     * Decisions for every wanted name (sorted), ACME certificates to delete (held by no route),
     * and failure records to forget: those of names no route wants whose last failure is older
     * than the longest backoff. A record outlives its route that long so that deleting the route
     * and adding it again does not reset the backoff.
     */
    public record Plan(List<Decision> decisions, List<String> deletions, List<String> forgotten) {
        public Plan {
            decisions = List.copyOf(decisions);
            deletions = List.copyOf(deletions);
            forgotten = List.copyOf(forgotten);
        }

        public Decision decision(String hostname) {
            return decisions.stream().filter(d -> d.hostname().equals(hostname)).findFirst().orElse(null);
        }
    }

    /** Exponential backoff per name: {@code base}, doubling per further failure, at most {@code max}. */
    public record Backoff(Duration base, Duration max) {
        public static final Backoff DEFAULT = new Backoff(Duration.ofMinutes(1), Duration.ofHours(6));

        public Backoff {
            if (base.isNegative() || base.isZero()) {
                throw new IllegalArgumentException("backoff base: " + base + " (expected: positive)");
            }
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException("backoff max: " + max + " (expected: at least the base " + base + ")");
            }
        }

        public Duration after(int failures) {
            Duration d = base;
            for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(max) > 0 ? max : d;
        }
    }

    /** True for a name that wants an ACME certificate while a route holds it. */
    public boolean wants(String hostname, Map<String, Instant> uploadedNotAfter, Instant now) {
        return !hostname.startsWith("*.") && !hostname.equals(ingressSuffix) && !hostname.endsWith("." + ingressSuffix)
                && !coveredByUpload(hostname, uploadedNotAfter, now);
    }

    /** An unexpired upload for the name or its one-label wildcard: the same test as the fleet CA's plan makes. */
    private static boolean coveredByUpload(String hostname, Map<String, Instant> uploadedNotAfter, Instant now) {
        return uploadedNotAfter.entrySet().stream()
                .anyMatch(u -> !now.isAfter(u.getValue()) && HostnameCoverage.covers(u.getKey(), hostname));
    }

    /** {@code failures}: the stored failure records by hostname (lower case), of wanted names or not. */
    public Plan plan(State state, Map<String, Failures> failures, Instant now) {
        Set<String> held = new TreeSet<>();
        for (String h : state.routeHostnames()) {
            held.add(h.toLowerCase(Locale.ROOT));
        }
        List<Decision> decisions = new ArrayList<>();
        for (String hostname : held) {
            if (wants(hostname, state.uploadedNotAfter(), now)) {
                decisions.add(decide(hostname, state.acmeNotAfter().get(hostname), failures.get(hostname), now));
            }
        }
        List<String> deletions = new ArrayList<>(new TreeSet<>(state.acmeNotAfter().keySet()));
        deletions.removeAll(held);
        Set<String> wanted = new TreeSet<>();
        decisions.forEach(d -> wanted.add(d.hostname()));
        List<String> forgotten = failures.entrySet().stream()
                .filter(f -> !wanted.contains(f.getKey()) && !now.isBefore(f.getValue().last().plus(backoff.max())))
                .map(Map.Entry::getKey).sorted().toList();
        return new Plan(decisions, deletions, forgotten);
    }

    private Decision decide(String hostname, Instant notAfter, Failures failed, Instant now) {
        boolean due = notAfter == null || !now.plus(renewBefore).isBefore(notAfter);
        if (!due) {
            return new Decision(hostname, Action.NOTHING, notAfter);
        }
        if (failed != null) {
            Instant next = failed.nextAttempt(backoff);
            if (now.isBefore(next)) {
                return new Decision(hostname, Action.WAIT, next);
            }
        }
        return notAfter == null ? new Decision(hostname, Action.ORDER, null) : new Decision(hostname, Action.RENEW, notAfter);
    }
}

package dev.fleetnet.controller.acme;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * How the controller orders ACME certificates: the directory, an optional contact e-mail, the
 * roots to trust for the directory's HTTPS (empty: the JVM's), when to renew, how often to check,
 * the backoff after a failure, and how long one order may take.
 */
public record AcmeConfig(URI directory, String email, List<X509Certificate> trustedRoots, Duration renewBefore,
        Duration checkInterval, AcmeNames.Backoff backoff, Duration orderTimeout) {
    public AcmeConfig {
        if (directory == null || !("https".equals(directory.getScheme()) || "http".equals(directory.getScheme()))
                || directory.getHost() == null) {
            throw new IllegalArgumentException("--acme-directory: '" + directory + "' (expected: an https:// URL of an ACME directory)");
        }
        if (email != null && (email.isBlank() || !email.contains("@"))) {
            throw new IllegalArgumentException("--acme-email: '" + email + "' (expected: an e-mail address)");
        }
        trustedRoots = List.copyOf(trustedRoots);
        positive("--acme-renew-before", renewBefore);
        positive("--acme-check-interval", checkInterval);
        positive("order timeout", orderTimeout);
    }

    private static void positive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + ": " + d + " (expected: a positive duration)");
        }
    }

    public static Builder builder(URI directory) {
        return new Builder(directory);
    }

    /** Defaults: no e-mail, the JVM's roots, renew 30 days before expiry, check hourly, 1 min..6 h backoff, 2 min per order. */
    public static final class Builder {
        private final URI directory;
        private String email;
        private List<X509Certificate> trustedRoots = List.of();
        private Duration renewBefore = Duration.ofDays(30);
        private Duration checkInterval = Duration.ofHours(1);
        private AcmeNames.Backoff backoff = AcmeNames.Backoff.DEFAULT;
        private Duration orderTimeout = Duration.ofMinutes(2);

        private Builder(URI directory) {
            this.directory = directory;
        }

        public Builder email(String email) { this.email = email; return this; }
        public Builder trustedRoots(List<X509Certificate> roots) { this.trustedRoots = roots; return this; }
        public Builder renewBefore(Duration d) { this.renewBefore = d; return this; }
        public Builder checkInterval(Duration d) { this.checkInterval = d; return this; }
        public Builder backoff(AcmeNames.Backoff b) { this.backoff = b; return this; }
        public Builder orderTimeout(Duration d) { this.orderTimeout = d; return this; }

        public AcmeConfig build() {
            return new AcmeConfig(directory, email, trustedRoots, renewBefore, checkInterval, backoff, orderTimeout);
        }
    }
}

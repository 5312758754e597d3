package dev.fleetnet.agent;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How the agent shows what its ingress does: the admin listener ({@code /metrics},
 * {@code /health}; none when {@code adminListen} is null), the access log ({@code "-"} for
 * standard output, a file path, or null for none) and how often route counters go to the
 * controller with the status report.
 */
public record ObservabilityConfig(InetSocketAddress adminListen, String accessLog, Duration statsInterval) {
    /** No admin listener, no access log, counters every 10 s. */
    public static final ObservabilityConfig NONE = new ObservabilityConfig(null, null, Duration.ofSeconds(10));

    public ObservabilityConfig {
        if (statsInterval.isNegative() || statsInterval.isZero()) {
            throw new IllegalArgumentException("--stats-interval: " + statsInterval + " (expected: more than 0)");
        }
    }
}

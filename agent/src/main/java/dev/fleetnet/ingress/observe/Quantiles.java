package dev.fleetnet.ingress.observe;

/**
 * Quantiles estimated from histogram buckets the way Prometheus' {@code histogram_quantile}
 * does: find the bucket holding the rank and interpolate linearly inside it.
 */
public final class Quantiles {
    private Quantiles() {}

    /**
     * {@code upperBounds} ascending, {@code counts[i]} the observations in bucket {@code i} (not
     * cumulative), with one more count than bounds for the +Inf bucket. Returns 0 with no
     * observations; a rank in the +Inf bucket returns the highest finite bound.
     */
    public static double estimate(double[] upperBounds, long[] counts, double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("quantile: " + q + " (expected: 0..1)");
        }
        if (counts.length != upperBounds.length + 1) {
            throw new IllegalArgumentException("counts: " + counts.length + " (expected: " + (upperBounds.length + 1) + ")");
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            long in = counts[i];
            if (in > 0 && below + in >= rank) {
                double lower = i == 0 ? 0 : upperBounds[i - 1];
                return lower + (upperBounds[i] - lower) * ((rank - below) / in);
            }
            below += in;
        }
        return upperBounds[upperBounds.length - 1];
    }
}

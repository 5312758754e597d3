package dev.fleetnet.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median and nearest-rank percentiles of a sample, for benchmark reports. */
record Percentiles(List<Double> sorted) {
    static Percentiles of(List<Double> sample) {
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("sample: empty (expected: at least one measurement)");
        }
        List<Double> sorted = new ArrayList<>(sample);
        Collections.sort(sorted);
        return new Percentiles(List.copyOf(sorted));
    }

    double median() {
        return at(50);
    }

    /** Nearest-rank percentile: the smallest value with at least p% of the sample at or below it. */
    double at(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    String summary(String unit) {
        return String.format("median %.1f %s, p99 %.1f %s, min %.1f, max %.1f (n=%d)",
                median(), unit, at(99), unit, sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
    }
}

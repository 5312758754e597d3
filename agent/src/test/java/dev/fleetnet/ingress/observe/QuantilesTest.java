package dev.fleetnet.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class QuantilesTest {
    private static final double[] BOUNDS = {1, 2, 4};

    @ParameterizedTest(name = "counts {0}, q {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
        "0,0,0,0; 0.5; 0",          // nothing observed
        "10,0,0,0; 0.5; 0.5",       // half way into the first bucket (0..1)
        "0,10,0,0; 0.5; 1.5",       // half way into (1..2]
        "0,0,4,0; 0.99; 3.98",      // (2..4], rank 3.96 of 4
        "50,50,0,0; 0.5; 1",        // exactly the end of the first bucket
        "50,50,0,0; 0.99; 1.98",
        "0,0,0,5; 0.5; 4",          // all above the highest bound: that bound
    })
    void estimatesLikeHistogramQuantile(String counts, double q, double expected) {
        long[] c = java.util.Arrays.stream(counts.split(",")).mapToLong(Long::parseLong).toArray();
        assertThat(Quantiles.estimate(BOUNDS, c, q)).isCloseTo(expected, within(1e-9));
    }

    @Test
    void refusesAQuantileOutsideZeroToOne() {
        assertThatThrownBy(() -> Quantiles.estimate(BOUNDS, new long[4], 1.5)).hasMessage("quantile: 1.5 (expected: 0..1)");
    }
}

package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ViewOrderTest {
    @ParameterizedTest(name = "newest {0}, view {1}: admitted {2}, newest after {3}")
    @CsvSource({
        // newest applied, view revision, admitted, newest after
        "0, 0, true, 0",    // no revision, nothing newer applied
        "0, 7, true, 7",    // the first view
        "7, 8, true, 8",    // newer
        "7, 7, true, 7",    // equal: the restored view, a periodic resync
        "7, 6, false, 7",   // older: never undoes the newer one
        "7, 0, false, 7",   // no revision after a real one
    })
    void newerAndEqualAreAppliedOlderIsIgnored(long newest, long revision, boolean admitted, long after) {
        ViewOrder order = new ViewOrder(newest);
        assertThat(order.admits(revision)).isEqualTo(admitted);
        assertThat(order.after(revision)).isEqualTo(new ViewOrder(after));
    }

    @Test
    void aNegativeNewestIsRefused() {
        assertThatThrownBy(() -> new ViewOrder(-1)).hasMessage("newest: -1 (expected: 0 or more)");
    }
}

package dev.fleetnet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv6Test {

    @ParameterizedTest
    @CsvSource({
        "fdaa:0:0:0:0:0:0:3, fdaa::3",
        "FDAA::3, fdaa::3",
        "fe80:0000::0001, fe80::1",
        "::, ::",
        "::1, ::1",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3",
        "1:0:2:0:3:0:4:0, 1:0:2:0:3:0:4:0",
        "fdaa:0:1:0:1:0:1:0, fdaa:0:1:0:1:0:1:0",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    })
    void formatsCanonically(String input, String canonical) {
        assertThat(Ipv6.canonical(input)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fdaa", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "example.com"})
    void rejectsNonLiterals(String input) {
        assertThatThrownBy(() -> Ipv6.parse(input)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IPv6 address");
        assertThat(Ipv6.isValid(input)).isFalse();
    }
}

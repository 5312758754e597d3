package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    @ParameterizedTest
    @CsvSource({
        "fdaa:0:0:0:0:0:0:1/128, fdaa::1/128",
        "FDAA::1,                fdaa::1/128",
        "fdaa:0:1:0:1:0:1:0/128, fdaa:0:1:0:1:0:1:0/128",
        "fdaa:0:0:1:0:0:0:1/64,  fdaa:0:0:1::1/64",
        "1:0:0:2:0:0:0:3/128,    1:0:0:2::3/128",
        "0:0:0:0:0:0:0:0/0,      ::/0",
        "::1,                    ::1/128",
        "fdaa::/16,              fdaa::/16",
        "fd00:0000:0000:0000:0000:0000:0000:0000/8, fd00::/8",
        "10.0.0.1/24,            10.0.0.1/24",
        "192.168.1.7,            192.168.1.7/32",
    })
    void printsTheKernelsSpelling(String text, String expected) {
        assertThat(Cidr.canonical(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "fdaa::9/16,        fdaa::/16",
        "fdaa:1:2:3::9/48,  fdaa:1:2::/48",
        "fdaa:ffff::/17,    fdaa:8000::/17",
        "10.1.2.3/8,        10.0.0.0/8",
    })
    void aNetworkClearsTheHostBits(String text, String expected) {
        assertThat(Cidr.parse(text).network().toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fdaa::1/129", "fdaa::zz", "example.com", "10.0.0.256", "10.0.0", "fdaa::1/", "fdaa::1/x",
        "fe80::1%eth0", "", "/64"})
    void malformedTextSaysWhatIsExpected(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'").hasMessageContaining("expected");
    }
}

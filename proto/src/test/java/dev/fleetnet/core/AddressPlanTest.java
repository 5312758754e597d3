package dev.fleetnet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AddressPlanTest {

    @ParameterizedTest
    @CsvSource({
        "1, 1, 1, fdaa:0:1:0:1:0:1:0",
        "1, 2, 3, fdaa:0:1:0:2:0:3:0",
        "0, 7, 1, fdaa::7:0:1:0",
        "65536, 65537, 4294967295, fdaa:1:0:1:1:ffff:ffff:0",
        "4294967295, 4294967295, 1, fdaa:ffff:ffff:ffff:ffff:0:1:0",
    })
    void machineAddressFollowsThePlan(long network, long host, long machine, String expected) {
        assertThat(AddressPlan.machineAddress(network, host, machine)).isEqualTo(expected);
        assertThat(AddressPlan.parse(expected)).isEqualTo(new AddressPlan.Parts(network, host, machine, 0));
    }

    @Test
    void prefixesAreTheNetworkSlash48AndTheHostSlash80() {
        assertThat(AddressPlan.networkPrefix(1)).isEqualTo("fdaa:0:1::/48");
        assertThat(AddressPlan.hostPrefix(1, 2)).isEqualTo("fdaa:0:1:0:2::/80");
        assertThat(AddressPlan.hostPrefix(0, 3)).isEqualTo("fdaa::3:0:0:0/80");
        assertThat(AddressPlan.infraAddress(3)).isEqualTo("fdaa::3:0:0:1");
    }

    @Test
    void machineAddressLiesInsideItsHostPrefixAndNetworkPrefix() {
        byte[] machine = Ipv6.parse(AddressPlan.machineAddress(5, 9, 42));
        byte[] hostPrefix = Ipv6.parse(AddressPlan.hostPrefix(5, 9).split("/")[0]);
        byte[] otherHost = Ipv6.parse(AddressPlan.hostPrefix(5, 10).split("/")[0]);
        byte[] network = Ipv6.parse(AddressPlan.networkPrefix(5).split("/")[0]);
        assertThat(Ipv6.samePrefix(machine, hostPrefix, 80)).isTrue();
        assertThat(Ipv6.samePrefix(machine, otherHost, 80)).isFalse();
        assertThat(Ipv6.samePrefix(machine, network, 48)).isTrue();
    }

    @Test
    void outOfRangeNumbersAreRejectedWithTheValue() {
        assertThatThrownBy(() -> AddressPlan.machineAddress(1, 0, 1))
                .hasMessage("host number: 0 (expected: 1..4294967295)");
        assertThatThrownBy(() -> AddressPlan.machineAddress(1, 1, 1L << 32))
                .hasMessage("machine number: 4294967296 (expected: 1..4294967295)");
        assertThatThrownBy(() -> AddressPlan.parse("fd01::1"))
                .hasMessageContaining("fd01::1").hasMessageContaining("fdaa::/16");
    }
}

package dev.fleetnet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "web-1", "h1", "default", "a234567890123456789012345678901234567890123456789012345678901bc"})
    void acceptsDnsLabels(String name) {
        assertThat(Names.check("machine name", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Web", "1web", "web-", "web_1", "web.1", "-web",
        "a2345678901234567890123456789012345678901234567890123456789012bc"})
    void rejectsWithFieldValueAndExpectation(String name) {
        assertThatThrownBy(() -> Names.check("machine name", name))
                .hasMessageStartingWith("machine name: '" + name + "' (expected:");
    }

    @Test
    void rejectsEmpty() {
        assertThatThrownBy(() -> Names.check("host", "")).hasMessageStartingWith("host: empty");
        assertThatThrownBy(() -> Names.check("host", null)).hasMessageStartingWith("host: empty");
    }

    @Test
    void portsAreOneTo65535() {
        assertThat(Ports.check("port", 1)).isEqualTo(1);
        assertThat(Ports.check("port", 65535)).isEqualTo(65535);
        assertThatThrownBy(() -> Ports.check("ports[0]", 0)).hasMessage("ports[0]: 0 (expected: 1..65535)");
        assertThatThrownBy(() -> Ports.check("ports[1]", 70000)).hasMessage("ports[1]: 70000 (expected: 1..65535)");
    }

    @Test
    void endpointsAreLiteralAddressesWithPorts() {
        assertThat(Endpoints.parse("endpoint", "[FD01::2]:51820").getHostString()).isEqualTo("fd01::2");
        assertThat(Endpoints.parse("endpoint", "192.0.2.1:51820").getPort()).isEqualTo(51820);
        assertThat(Endpoints.format("fd01::2", 51820)).isEqualTo("[fd01::2]:51820");
        assertThatThrownBy(() -> Endpoints.parse("endpoint", "fd01::2")).hasMessageContaining("'fd01::2'");
        assertThatThrownBy(() -> Endpoints.parse("endpoint", "[fd01::2]:0")).hasMessageContaining("0 (expected: 1..65535)");
        assertThatThrownBy(() -> Endpoints.parse("endpoint", "example.com:1")).hasMessageContaining("example.com:1");
    }
}

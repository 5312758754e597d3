package dev.fleetnet.controller.certs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostnameCoverageTest {
    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "shop.example.com, shop.example.com, true",
        "Shop.Example.com, shop.example.COM, true",
        "shop.example.com, www.shop.example.com, false",
        "*.example.com, a.example.com, true",
        "*.example.com, example.com, false",
        "*.example.com, a.b.example.com, false",
        "*.example.com, *.example.com, true",
        "*.example.com, *.a.example.com, false",
        "a.example.com, *.example.com, false",
        "f*.example.com, foo.example.com, false",
        "*.com, example.com, false",
        "*.example.com, .example.com, false",
    })
    void rfc6125(String name, String hostname, boolean covered) {
        assertThat(HostnameCoverage.covers(name, hostname)).isEqualTo(covered);
    }
}

package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PROXY v2 header byte for byte against the layout of haproxy's proxy-protocol.txt 2.2. */
class ProxyV2Test {

    @ParameterizedTest(name = "{0}:{1} -> {2}:{3}")
    @CsvSource({
        // source,        port,  destination,    port, expected header (hex)
        "192.0.2.10,      51234, 198.51.100.1,   7000, 0d0a0d0a000d0a515549540a 21 11 000c c000020a c6336401 c822 1b58",
        "2001:db8::1,     443,   2001:db8::ff,   8443, 0d0a0d0a000d0a515549540a 21 21 0024 20010db8000000000000000000000001 20010db80000000000000000000000ff 01bb 20fb",
        "192.0.2.10,      1,     2001:db8::ff,   65535, 0d0a0d0a000d0a515549540a 21 21 0024 00000000000000000000ffffc000020a 20010db80000000000000000000000ff 0001 ffff",
    })
    void encodesTheSpecLayout(String source, int sourcePort, String destination, int destinationPort, String hex) {
        byte[] header = ProxyV2.header(new InetSocketAddress(source, sourcePort), new InetSocketAddress(destination, destinationPort));
        assertThat(HexFormat.of().formatHex(header)).isEqualTo(hex.replace(" ", ""));
    }

    @ParameterizedTest(name = "{0}:{1} round trip")
    @CsvSource({"192.0.2.10, 51234, 198.51.100.1, 7000", "2001:db8::1, 443, 2001:db8::ff, 8443"})
    void readsBackWhatItWrote(String source, int sourcePort, String destination, int destinationPort) throws Exception {
        InetSocketAddress src = new InetSocketAddress(source, sourcePort);
        InetSocketAddress dst = new InetSocketAddress(destination, destinationPort);
        ProxyV2Reader.Header header = ProxyV2Reader.read(new ByteArrayInputStream(ProxyV2.header(src, dst)));
        assertThat(header.source()).isEqualTo(src);
        assertThat(header.destination()).isEqualTo(dst);
    }

    @org.junit.jupiter.api.Test
    void refusesUnresolvedAddresses() {
        assertThatThrownBy(() -> ProxyV2.header(InetSocketAddress.createUnresolved("client.example", 1),
                new InetSocketAddress("192.0.2.1", 2))).hasMessageContaining("expected: resolved");
    }
}

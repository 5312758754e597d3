package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireGuardKeyTest {

    @Test
    void derivesTheRfc7748PublicKey() {
        // RFC 7748 section 6.1: Alice's private key and public key.
        WireGuardKey key = WireGuardKey.fromPrivate(java.util.HexFormat.of()
                .parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        assertThat(java.util.HexFormat.of().formatHex(key.publicKey()))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    }

    @Test
    void generatedKeysAreClampedAndRoundTripThroughBase64() {
        WireGuardKey key = WireGuardKey.generate();
        assertThat(key.privateKey()[0] & 7).isZero();
        assertThat(key.privateKey()[31] & 0xc0).isEqualTo(0x40);
        assertThat(WireGuardKey.fromBase64Private(key.privateBase64())).isEqualTo(key);
        assertThat(WireGuardKey.hexToBase64(WireGuardKey.base64ToHex(key.publicBase64()))).isEqualTo(key.publicBase64());
        assertThat(key.toString()).doesNotContain(key.privateBase64());
    }

    @Test
    void badPrivateKeyIsRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> WireGuardKey.fromBase64Private("c2hvcnQ=")).hasMessageContaining("expected: what `wg genkey` prints")
                .hasMessageNotContaining("c2hvcnQ=");
    }
}

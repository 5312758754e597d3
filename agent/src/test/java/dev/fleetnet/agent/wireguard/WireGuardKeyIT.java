package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Our X25519 derivation against wireguard-tools itself. */
class WireGuardKeyIT {

    @Test
    void publicKeyMatchesWgPubkey() throws Exception {
        WireGuardKey key = WireGuardKey.generate();
        Process wg = new ProcessBuilder("wg", "pubkey").start();
        wg.getOutputStream().write((key.privateBase64() + "\n").getBytes(StandardCharsets.US_ASCII));
        wg.getOutputStream().close();
        String pub = new String(wg.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertThat(wg.waitFor()).isZero();
        assertThat(pub).isEqualTo(key.publicBase64());
    }
}

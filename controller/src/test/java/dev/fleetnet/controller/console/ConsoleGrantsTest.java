package dev.fleetnet.controller.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.console.ConsoleTokens;
import dev.fleetnet.proto.v1.ConsoleGrant;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConsoleGrantsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void aFreshGrantOpensItsMachineUntilItExpires() {
        ConsoleGrant grant = ConsoleGrants.issue("web", T0, Duration.ofSeconds(60));
        assertThat(ConsoleGrants.judge(grant, T0)).isEqualTo(new ConsoleGrants.Open("web"));
        assertThat(ConsoleGrants.judge(grant, T0.plusSeconds(59).plusMillis(999))).isEqualTo(new ConsoleGrants.Open("web"));
        assertThat(ConsoleGrants.judge(grant, T0.plusSeconds(60))).isEqualTo(new ConsoleGrants.Refused(
                "fleetnet: this console link for machine 'web' expired at 2026-11-22T12:01:00Z"
                        + " (expected: a fresh link from `fleetnet machine console web`)"));
    }

    @Test
    void aSpentGrantSaysWhenAndThroughWhichHost() {
        ConsoleGrant spent = ConsoleGrants.spent(ConsoleGrants.issue("web", T0, Duration.ofSeconds(60)), "h2", T0.plusSeconds(5));
        assertThat(ConsoleGrants.judge(spent, T0.plusSeconds(6))).isEqualTo(new ConsoleGrants.Refused(
                "fleetnet: this console link for machine 'web' was already used at 2026-11-22T12:00:05Z (through host 'h2');"
                        + " a link opens one session (expected: a fresh link from `fleetnet machine console web`)"));
        assertThat(ConsoleGrants.judge(spent, T0.plusSeconds(600))).as("spent wins over expired")
                .isInstanceOfSatisfying(ConsoleGrants.Refused.class, r -> assertThat(r.message()).contains("already used"));
    }

    @Test
    void noGrantIsUnknown() {
        assertThat(ConsoleGrants.judge(null, T0)).isEqualTo(new ConsoleGrants.Refused(
                "fleetnet: this console link is unknown or expired long ago (expected: a fresh link from `fleetnet machine console MACHINE`)"));
    }

    @Test
    void lifetimes() {
        assertThat(ConsoleGrants.ttl(0)).isEqualTo(Duration.ofSeconds(60));
        assertThat(ConsoleGrants.ttl(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(ConsoleGrants.ttl(600)).isEqualTo(Duration.ofMinutes(10));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 601, 86_400})
    void lifetimesOutOfRange(long seconds) {
        assertThatThrownBy(() -> ConsoleGrants.ttl(seconds)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ttl: " + seconds + "s (expected: 1s..600s)");
    }

    @Test
    void tokensAreRandomAndStoredOnlyAsTheirHash() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String token = ConsoleTokens.generate();
            assertThat(ConsoleTokens.wellFormed(token)).as(token).isTrue();
            assertThat(seen.add(token)).isTrue();
            assertThat(ConsoleTokens.id(token)).hasSize(64).matches("[0-9a-f]+").doesNotContain(token);
        }
        assertThat(ConsoleTokens.id("A".repeat(43))).isEqualTo(ConsoleTokens.id("A".repeat(43)));
        for (String bad : new String[] {"", "A".repeat(42), "A".repeat(44), "A".repeat(42) + "=", "A".repeat(42) + "/", null}) {
            assertThat(ConsoleTokens.wellFormed(bad)).as(String.valueOf(bad)).isFalse();
        }
    }
}

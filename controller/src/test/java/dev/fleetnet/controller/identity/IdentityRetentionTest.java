package dev.fleetnet.controller.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.RevokedCertificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IdentityRetentionTest {
    private static final Instant EXPIRY = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void aTokenStaysListedForAWeekAfterItExpiresSpentOrNot() {
        JoinToken unspent = JoinToken.newBuilder().setId("a").setExpiresEpochSeconds(EXPIRY.getEpochSecond()).setUses(1).build();
        JoinToken spent = unspent.toBuilder().setUsed(1).build();
        for (JoinToken token : new JoinToken[] {unspent, spent}) {
            assertThat(IdentityRetention.tokenDone(token, EXPIRY.minusSeconds(1))).isFalse();
            assertThat(IdentityRetention.tokenDone(token, EXPIRY.plus(Duration.ofDays(7)).minusSeconds(1))).isFalse();
            assertThat(IdentityRetention.tokenDone(token, EXPIRY.plus(Duration.ofDays(7)))).isTrue();
        }
    }

    @Test
    void aRevocationStaysUntilADayAfterItsCertificateExpiredAndForeverWithoutAnExpiry() {
        RevokedCertificate entry = RevokedCertificate.newBuilder().setSerial("0a").setNotAfterEpochSeconds(EXPIRY.getEpochSecond()).build();
        assertThat(IdentityRetention.revocationDone(entry, EXPIRY)).as("the certificate has only just expired").isFalse();
        assertThat(IdentityRetention.revocationDone(entry, EXPIRY.plus(Duration.ofDays(1)).minusSeconds(1))).isFalse();
        assertThat(IdentityRetention.revocationDone(entry, EXPIRY.plus(Duration.ofDays(1)))).isTrue();
        assertThat(IdentityRetention.revocationDone(entry.toBuilder().clearNotAfterEpochSeconds().build(), EXPIRY.plus(Duration.ofDays(3650))))
                .isFalse();
    }
}

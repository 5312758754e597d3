package dev.fleetnet.controller.identity;

import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.RevokedCertificate;
import java.time.Duration;
import java.time.Instant;

/**
 * When a record of host identity has done its work and may leave etcd. Pure: it reads records
 * and a time.
 * <ul>
 *   <li>A join token can never be used once it has expired (spent or not); it stays listed for
 *       {@link #TOKEN_AUDIT} after its expiry, so an operator still sees who joined with what.
 *   <li>A revocation list entry stops mattering once its certificate has expired (an expired
 *       certificate is refused for that alone); it stays {@link #REVOCATION_MARGIN} longer, for
 *       clocks that disagree. An entry without an expiry is kept.
 * </ul>
 */
public final class IdentityRetention {
    public static final Duration TOKEN_AUDIT = Duration.ofDays(7);
    public static final Duration REVOCATION_MARGIN = Duration.ofDays(1);

    private IdentityRetention() {}

    public static boolean tokenDone(JoinToken token, Instant now) {
        return !now.isBefore(Instant.ofEpochSecond(token.getExpiresEpochSeconds()).plus(TOKEN_AUDIT));
    }

    public static boolean revocationDone(RevokedCertificate entry, Instant now) {
        return entry.getNotAfterEpochSeconds() != 0
                && !now.isBefore(Instant.ofEpochSecond(entry.getNotAfterEpochSeconds()).plus(REVOCATION_MARGIN));
    }
}

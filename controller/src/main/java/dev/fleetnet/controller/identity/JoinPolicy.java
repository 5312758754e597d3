package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.identity.JoinRefused.Kind;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.JoinToken;
import java.security.MessageDigest;
import java.time.Instant;

/**
 * Whether a join may go ahead, decided from the token and the host's identity as etcd holds
 * them (pure). The token is checked first, so a caller without a good one learns nothing about
 * host names; then the name: a host already joined keeps its key unless the operator allowed
 * another ({@code host rekey}, or a token bound to that host), and a revoked host comes back
 * only that way, with a new key.
 */
public final class JoinPolicy {
    private JoinPolicy() {}

    /** A join request: the host it names, its key's SHA-256, and the token it offers. */
    public record Attempt(String host, String keySha256, String tokenId, byte[] secretSha256) {}

    /** Throws the reason {@code attempt} is refused, if it is. */
    public static void check(Attempt attempt, JoinToken token, HostIdentity existing, Instant now) throws JoinRefused {
        String id = attempt.tokenId();
        if (token == null) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "join token " + id + ": unknown (expected: a token from"
                    + " `fleetnet host token create` that was not revoked)");
        }
        if (!MessageDigest.isEqual(token.getSecretSha256().toByteArray(), attempt.secretSha256())) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "join token " + id + ": wrong secret (expected: the token exactly"
                    + " as `fleetnet host token create` printed it)");
        }
        if (!now.isBefore(Instant.ofEpochSecond(token.getExpiresEpochSeconds()))) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "join token " + id + ": expired at "
                    + Instant.ofEpochSecond(token.getExpiresEpochSeconds()) + " (expected: a token used within its --ttl; create a new one)");
        }
        if (token.getUsed() >= token.getUses()) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "join token " + id + ": spent, used " + token.getUsed() + " of "
                    + token.getUses() + " times (expected: a token with a use left; create a new one)");
        }
        String host = attempt.host();
        if (!token.getHost().isEmpty() && !token.getHost().equals(host)) {
            throw new JoinRefused(Kind.PERMISSION_DENIED, "join token " + id + ": bound to host '" + token.getHost()
                    + "', not '" + host + "' (expected: a join as '" + token.getHost() + "', or a token created for '" + host + "')");
        }
        if (existing == null) {
            return;
        }
        boolean replaceAllowed = existing.getRekeyAllowed() || token.getHost().equals(host);
        boolean sameKey = existing.getKeySha256().equals(attempt.keySha256());
        if (existing.getRevokedEpochSeconds() != 0) {
            Instant revoked = Instant.ofEpochSecond(existing.getRevokedEpochSeconds());
            if (sameKey) {
                throw new JoinRefused(Kind.PERMISSION_DENIED, "host '" + host + "': key " + shortKey(attempt.keySha256())
                        + " was revoked at " + revoked + " (expected: a new key pair, joined after `fleetnet host rekey " + host
                        + "` or with a token created with --host " + host + ")");
            }
            if (!replaceAllowed) {
                throw new JoinRefused(Kind.PERMISSION_DENIED, "host '" + host + "': revoked at " + revoked
                        + " (expected: `fleetnet host rekey " + host + "` or a token created with --host " + host
                        + " before it joins again)");
            }
            return;
        }
        if (!sameKey && !replaceAllowed) {
            throw new JoinRefused(Kind.PERMISSION_DENIED, "host '" + host + "': already joined with key "
                    + shortKey(existing.getKeySha256()) + ", this request's key is " + shortKey(attempt.keySha256())
                    + " (expected: the host's own key, or `fleetnet host rekey " + host + "` / a token created with --host "
                    + host + " to let another key replace it)");
        }
    }

    /** The token after one more use. */
    public static JoinToken spend(JoinToken token) {
        return token.toBuilder().setUsed(token.getUsed() + 1).build();
    }

    /** {@code SHA256:} and the first 16 hex digits: enough to tell keys apart in a message. */
    public static String shortKey(String keySha256) {
        return "SHA256:" + keySha256.substring(0, Math.min(16, keySha256.length()));
    }
}

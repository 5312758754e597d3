package dev.fleetnet.controller.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.JoinToken;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every way a join is decided, from the token and the identity as etcd holds them. */
class JoinPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final JoinTokens.Token TOKEN = new JoinTokens.Token("0123abcd", "A".repeat(43));
    private static final String KEY_A = "aa".repeat(32);
    private static final String KEY_B = "bb".repeat(32);

    private static JoinToken token(String host, int uses, int used, Instant expires) {
        return JoinToken.newBuilder().setId(TOKEN.id()).setSecretSha256(ByteString.copyFrom(TOKEN.secretSha256())).setHost(host)
                .setCreatedEpochSeconds(NOW.getEpochSecond() - 60).setExpiresEpochSeconds(expires.getEpochSecond())
                .setUses(uses).setUsed(used).build();
    }

    private static JoinToken usable() {
        return token("", 1, 0, NOW.plusSeconds(3600));
    }

    private static HostIdentity identity(String key, boolean rekey, long revoked) {
        return HostIdentity.newBuilder().setHost("h1").setKeySha256(key).setCertificateSerial("1").setRekeyAllowed(rekey)
                .setRevokedEpochSeconds(revoked).build();
    }

    private static JoinPolicy.Attempt attempt(String host, String key, byte[] secretSha256) {
        return new JoinPolicy.Attempt(host, key, TOKEN.id(), secretSha256);
    }

    static Stream<Arguments> refusals() {
        long revoked = NOW.minusSeconds(600).getEpochSecond();
        return Stream.of(
                Arguments.of("unknown token", attempt("h1", KEY_A, TOKEN.secretSha256()), null, null, "UNAUTHENTICATED",
                        "join token 0123abcd: unknown (expected: a token from `fleetnet host token create` that was not revoked)"),
                Arguments.of("wrong secret", attempt("h1", KEY_A, JoinTokens.sha256("B".repeat(43))), usable(), null, "UNAUTHENTICATED",
                        "join token 0123abcd: wrong secret (expected: the token exactly as `fleetnet host token create` printed it)"),
                Arguments.of("expired", attempt("h1", KEY_A, TOKEN.secretSha256()), token("", 1, 0, NOW), null, "UNAUTHENTICATED",
                        "join token 0123abcd: expired at 2026-11-22T12:00:00Z (expected: a token used within its --ttl; create a new one)"),
                Arguments.of("spent", attempt("h1", KEY_A, TOKEN.secretSha256()), token("", 3, 3, NOW.plusSeconds(60)), null,
                        "UNAUTHENTICATED", "join token 0123abcd: spent, used 3 of 3 times (expected: a token with a use left; create a new one)"),
                Arguments.of("bound elsewhere", attempt("h1", KEY_A, TOKEN.secretSha256()), token("h2", 1, 0, NOW.plusSeconds(60)), null,
                        "PERMISSION_DENIED", "join token 0123abcd: bound to host 'h2', not 'h1' (expected: a join as 'h2', or a token"
                                + " created for 'h1')"),
                Arguments.of("name taken by another key", attempt("h1", KEY_B, TOKEN.secretSha256()), usable(),
                        identity(KEY_A, false, 0), "PERMISSION_DENIED", "host 'h1': already joined with key SHA256:aaaaaaaaaaaaaaaa,"
                                + " this request's key is SHA256:bbbbbbbbbbbbbbbb (expected: the host's own key, or `fleetnet host rekey h1`"
                                + " / a token created with --host h1 to let another key replace it)"),
                Arguments.of("revoked key again", attempt("h1", KEY_A, TOKEN.secretSha256()), token("h1", 1, 0, NOW.plusSeconds(60)),
                        identity(KEY_A, false, revoked), "PERMISSION_DENIED", "host 'h1': key SHA256:aaaaaaaaaaaaaaaa was revoked at"
                                + " 2026-11-22T11:50:00Z (expected: a new key pair, joined after `fleetnet host rekey h1` or with a token"
                                + " created with --host h1)"),
                Arguments.of("revoked host, any token", attempt("h1", KEY_B, TOKEN.secretSha256()), usable(),
                        identity(KEY_A, false, revoked), "PERMISSION_DENIED", "host 'h1': revoked at 2026-11-22T11:50:00Z (expected:"
                                + " `fleetnet host rekey h1` or a token created with --host h1 before it joins again)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(String what, JoinPolicy.Attempt attempt, JoinToken token, HostIdentity existing, String kind, String message) {
        assertThatThrownBy(() -> JoinPolicy.check(attempt, token, existing, NOW)).isInstanceOfSatisfying(JoinRefused.class, e -> {
            assertThat(e.kind().name()).isEqualTo(kind);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    static Stream<Arguments> allowed() {
        long revoked = NOW.minusSeconds(600).getEpochSecond();
        return Stream.of(
                Arguments.of("a new host", attempt("h1", KEY_A, TOKEN.secretSha256()), usable(), null),
                Arguments.of("a new host with its own token", attempt("h1", KEY_A, TOKEN.secretSha256()), token("h1", 1, 0, NOW.plusSeconds(1)), null),
                Arguments.of("the last use", attempt("h1", KEY_A, TOKEN.secretSha256()), token("", 3, 2, NOW.plusSeconds(1)), null),
                Arguments.of("the same key again", attempt("h1", KEY_A, TOKEN.secretSha256()), usable(), identity(KEY_A, false, 0)),
                Arguments.of("another key after rekey", attempt("h1", KEY_B, TOKEN.secretSha256()), usable(), identity(KEY_A, true, 0)),
                Arguments.of("another key with a token for the host", attempt("h1", KEY_B, TOKEN.secretSha256()),
                        token("h1", 1, 0, NOW.plusSeconds(60)), identity(KEY_A, false, 0)),
                Arguments.of("a revoked host back with a new key and its own token", attempt("h1", KEY_B, TOKEN.secretSha256()),
                        token("h1", 1, 0, NOW.plusSeconds(60)), identity(KEY_A, false, revoked)),
                Arguments.of("a revoked host back with a new key after rekey", attempt("h1", KEY_B, TOKEN.secretSha256()),
                        usable(), identity(KEY_A, true, revoked)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowed")
    void allowed(String what, JoinPolicy.Attempt attempt, JoinToken token, HostIdentity existing) {
        assertThatCode(() -> JoinPolicy.check(attempt, token, existing, NOW)).doesNotThrowAnyException();
    }

    @Test
    void aJoinSpendsOneUse() {
        assertThat(JoinPolicy.spend(token("", 3, 1, NOW)).getUsed()).isEqualTo(2);
        assertThat(JoinPolicy.shortKey(KEY_A)).isEqualTo("SHA256:aaaaaaaaaaaaaaaa");
    }
}

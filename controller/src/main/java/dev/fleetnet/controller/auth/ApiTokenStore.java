package dev.fleetnet.controller.auth;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.ApiToken;
import dev.fleetnet.proto.v1.StoredApiToken;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The public API's bearer tokens in etcd: {@code auth/api-tokens/{sha256}} holds a token's facts,
 * {@code auth/api-token-names/{name}} its hash (names are unique). The token text itself is never
 * stored: it is returned once by {@link #create} and found again only by its hash.
 */
public final class ApiTokenStore {
    /** Every token starts with this, so secret scanners and people recognise one. */
    public static final String TOKEN_PREFIX = "fnt_";
    /** The token the first controller of a fleet creates. */
    public static final String ADMIN = "admin";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KV kv;
    private final Keys keys;
    private final Clock clock;

    public ApiTokenStore(Client client, Keys keys, Clock clock) {
        this.kv = client.getKVClient();
        this.keys = keys;
        this.clock = clock;
    }

    /** A token just created: its facts and its text, which nobody can read again. */
    public record Created(ApiToken token, String secret) {}

    /**
     * Creates a token; {@code ttl} zero: it never expires. ALREADY_EXISTS when the name is taken,
     * and then nothing is written.
     */
    public Created create(String name, boolean readOnly, Duration ttl) {
        Created created = candidate(name, readOnly, ttl);
        String nameKey = keys.apiTokenName(name);
        TxnResponse r = Etcd.await("create API token " + name, kv.txn()
                .If(absent(nameKey))
                .Then(puts(created)).commit());
        if (!r.isSucceeded()) {
            throw new FleetException(FleetException.Kind.ALREADY_EXISTS, "token '" + name
                    + "' already exists (expected: a new name, or `fleetnet token revoke " + name + "` first)");
        }
        return created;
    }

    /**
     * The admin token, created only if no controller ever created one on this etcd (however many
     * start together): empty when one did, even if it was revoked since.
     */
    public Optional<Created> bootstrapAdmin(java.util.function.Consumer<Created> beforeCommit) {
        if (Etcd.get(kv, keys.apiTokensBootstrapped()) != null) {
            return Optional.empty();
        }
        Created created = candidate(ADMIN, false, Duration.ZERO);
        beforeCommit.accept(created); // e.g. written to its file first: a token nobody can read is never stored
        List<Op> ops = new ArrayList<>(java.util.Arrays.asList(puts(created)));
        ops.add(Op.put(bytes(keys.apiTokensBootstrapped()), bytes(ADMIN), PutOption.DEFAULT));
        TxnResponse r = Etcd.await("create the first admin API token", kv.txn()
                .If(absent(keys.apiTokensBootstrapped()), absent(keys.apiTokenName(ADMIN)))
                .Then(ops.toArray(Op[]::new)).commit());
        return r.isSucceeded() ? Optional.of(created) : Optional.empty();
    }

    /** Every token's facts, by name; never a secret or a hash. */
    public List<ApiToken> list() {
        List<ApiToken> out = new ArrayList<>();
        for (KeyValue value : Etcd.getPrefix(kv, keys.apiTokens()).getKvs()) {
            out.add(Etcd.parse(StoredApiToken.parser(), value).getToken());
        }
        out.sort(Comparator.comparing(ApiToken::getName));
        return out;
    }

    /** Deletes the token named {@code name}: NOT_FOUND when there is none. */
    public void revoke(String name) {
        Names.check("token name", name);
        String nameKey = keys.apiTokenName(name);
        for (int attempt = 0; attempt < 5; attempt++) {
            KeyValue current = Etcd.get(kv, nameKey);
            if (current == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "token '" + name
                        + "': no such token (expected: a name from `fleetnet token list`)");
            }
            String hash = current.getValue().toString(StandardCharsets.UTF_8);
            TxnResponse r = Etcd.await("revoke API token " + name, kv.txn()
                    .If(new Cmp(bytes(nameKey), Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
                    .Then(Op.delete(bytes(nameKey), DeleteOption.DEFAULT), Op.delete(bytes(keys.apiToken(hash)), DeleteOption.DEFAULT))
                    .commit());
            if (r.isSucceeded()) {
                return;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "token '" + name + "' kept changing while being revoked; try again");
    }

    /** The facts of the token whose text is {@code secret}, or empty when no such token exists (never created, or revoked). */
    public Optional<ApiToken> find(String secret) {
        KeyValue value = Etcd.get(kv, keys.apiToken(sha256(secret)));
        return value == null ? Optional.empty() : Optional.of(Etcd.parse(StoredApiToken.parser(), value).getToken());
    }

    /** Lower-case hex SHA-256 of the token's UTF-8 text: what etcd keeps instead of the token. */
    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    private Created candidate(String name, boolean readOnly, Duration ttl) {
        Names.check("token name", name);
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl: " + ttl.toSeconds() + "s (expected: 0 for no expiry, or a positive duration)");
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        long now = clock.instant().getEpochSecond();
        ApiToken token = ApiToken.newBuilder().setName(name).setReadOnly(readOnly).setCreatedEpochSeconds(now)
                .setExpiresEpochSeconds(ttl.isZero() ? 0 : now + ttl.toSeconds()).build();
        return new Created(token, secret);
    }

    private Op[] puts(Created created) {
        String hash = sha256(created.secret());
        StoredApiToken stored = StoredApiToken.newBuilder().setToken(created.token()).setSha256(hash).build();
        return new Op[] {
            Op.put(bytes(keys.apiTokenName(created.token().getName())), bytes(hash), PutOption.DEFAULT),
            Op.put(bytes(keys.apiToken(hash)), Etcd.value(stored), PutOption.DEFAULT)
        };
    }

    private static Cmp absent(String key) {
        return new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0));
    }
}

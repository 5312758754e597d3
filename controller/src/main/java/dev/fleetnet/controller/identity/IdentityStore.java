package dev.fleetnet.controller.identity;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.pki.CaSlot;
import dev.fleetnet.controller.pki.EtcdCaSlot;
import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.RevokedCertificate;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Host identity in etcd: the host CA ({@code ca/hosts}), join tokens ({@code identity/tokens/}),
 * each host's pinned key and revocation state ({@code identity/hosts/}) and the revocation list
 * ({@code identity/revoked/}). Every change is one transaction that commits only if what it was
 * decided on is unchanged, so concurrent joins never spend a token twice, from any number of
 * controllers; a refused request writes nothing.
 */
public final class IdentityStore {
    private final KV kv;
    private final Keys keys;
    private final EtcdCaSlot hostCa;

    public IdentityStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
        this.hostCa = new EtcdCaSlot(kv, keys.hostCa(), "host CA");
    }

    /** A value and the etcd revision it was last changed at (0: absent). */
    public record Versioned<T>(T value, long modRevision) {
        static <T> Versioned<T> absent() {
            return new Versioned<>(null, 0);
        }

        public boolean present() {
            return value != null;
        }
    }

    // ---- the host CA ----

    /** The stored CA, or null before the first controller created it. */
    public Certificate hostCa() {
        return hostCa.get();
    }

    /** Where the host CA is kept: created once however many controllers race. */
    public CaSlot hostCaSlot() {
        return hostCa;
    }

    // ---- join tokens ----

    /** Writes {@code token} unless its id is taken; false if it is. */
    public boolean createToken(JoinToken token) {
        String key = keys.joinToken(token.getId());
        return Etcd.await("create join token " + token.getId(), kv.txn().If(absent(key))
                .Then(Op.put(bytes(key), Etcd.value(token), PutOption.DEFAULT)).commit()).isSucceeded();
    }

    public Versioned<JoinToken> token(String id) {
        KeyValue value = Etcd.get(kv, keys.joinToken(id));
        return value == null ? Versioned.absent() : new Versioned<>(Etcd.parse(JoinToken.parser(), value), value.getModRevision());
    }

    /** Every token, oldest first. */
    public List<JoinToken> tokens() {
        return versionedTokens().stream().map(Versioned::value)
                .sorted(Comparator.comparingLong(JoinToken::getCreatedEpochSeconds).thenComparing(JoinToken::getId)).toList();
    }

    /** Deletes the token; returns what was deleted, or null if there was none. */
    public JoinToken deleteToken(String id) {
        var r = Etcd.await("delete join token " + id, kv.delete(bytes(keys.joinToken(id)),
                DeleteOption.builder().withPrevKV(true).build()));
        return r.getPrevKvs().isEmpty() ? null : Etcd.parse(JoinToken.parser(), r.getPrevKvs().get(0));
    }

    /** Every token with the revision it was read at, for deletes that must not take a token that changed since. */
    public List<Versioned<JoinToken>> versionedTokens() {
        List<Versioned<JoinToken>> all = new ArrayList<>();
        for (KeyValue value : Etcd.getPrefix(kv, keys.joinTokens()).getKvs()) {
            all.add(new Versioned<>(Etcd.parse(JoinToken.parser(), value), value.getModRevision()));
        }
        return all;
    }

    /** Deletes the token only if it is still as read at {@code modRevision}; false if it changed or is gone. */
    public boolean deleteTokenIfUnchanged(String id, long modRevision) {
        String key = keys.joinToken(id);
        return Etcd.await("delete join token " + id, kv.txn().If(unchanged(key, modRevision))
                .Then(Op.delete(bytes(key), DeleteOption.DEFAULT)).commit()).isSucceeded();
    }

    // ---- host identities and the revocation list ----

    public Versioned<HostIdentity> identity(String host) {
        KeyValue value = Etcd.get(kv, keys.hostIdentity(host));
        return value == null ? Versioned.absent() : new Versioned<>(Etcd.parse(HostIdentity.parser(), value), value.getModRevision());
    }

    public List<HostIdentity> identities() {
        List<HostIdentity> all = new ArrayList<>(Etcd.parseAll(HostIdentity.parser(), Etcd.getPrefix(kv, keys.hostIdentities())));
        all.sort(Comparator.comparing(HostIdentity::getHost));
        return all;
    }

    /** The revocation list's entry for {@code serial} (hex), or null. */
    public RevokedCertificate revoked(String serial) {
        KeyValue value = Etcd.get(kv, keys.revokedCertificate(serial));
        return value == null ? null : Etcd.parse(RevokedCertificate.parser(), value);
    }

    /** The whole revocation list. */
    public List<RevokedCertificate> revokedCertificates() {
        return Etcd.parseAll(RevokedCertificate.parser(), Etcd.getPrefix(kv, keys.revokedCertificates()));
    }

    /** Removes {@code serial}'s entry from the revocation list; true if there was one. */
    public boolean deleteRevoked(String serial) {
        return Etcd.await("delete revocation " + serial, kv.delete(bytes(keys.revokedCertificate(serial)))).getDeleted() > 0;
    }

    /**
     * A join: the token spent once more and the host's identity written, only if neither changed
     * since they were read. False if one did (read again and decide again).
     */
    public boolean commitJoin(Versioned<JoinToken> token, JoinToken spent, Versioned<HostIdentity> before, HostIdentity after) {
        String tokenKey = keys.joinToken(spent.getId());
        String identityKey = keys.hostIdentity(after.getHost());
        return Etcd.await("join host " + after.getHost(), kv.txn()
                .If(unchanged(tokenKey, token.modRevision()), unchanged(identityKey, before.modRevision()))
                .Then(Op.put(bytes(tokenKey), Etcd.value(spent), PutOption.DEFAULT),
                        Op.put(bytes(identityKey), Etcd.value(after), PutOption.DEFAULT))
                .commit()).isSucceeded();
    }

    /** Replaces a host's identity if it is unchanged since read (re-key allowed, certificate renewed). */
    public boolean updateIdentity(Versioned<HostIdentity> before, HostIdentity after) {
        String key = keys.hostIdentity(after.getHost());
        return Etcd.await("update identity of host " + after.getHost(), kv.txn().If(unchanged(key, before.modRevision()))
                .Then(Op.put(bytes(key), Etcd.value(after), PutOption.DEFAULT)).commit()).isSucceeded();
    }

    /**
     * A revocation: the identity marked revoked, its certificate added to the revocation list and
     * the tokens bound to the host deleted (so none made earlier brings it back), only if the
     * identity is unchanged since read.
     */
    public boolean commitRevoke(Versioned<HostIdentity> before, HostIdentity after, RevokedCertificate entry, List<String> boundTokenIds) {
        String key = keys.hostIdentity(after.getHost());
        List<Op> ops = new ArrayList<>(List.of(Op.put(bytes(key), Etcd.value(after), PutOption.DEFAULT),
                Op.put(bytes(keys.revokedCertificate(entry.getSerial())), Etcd.value(entry), PutOption.DEFAULT)));
        for (String id : boundTokenIds) {
            ops.add(Op.delete(bytes(keys.joinToken(id)), DeleteOption.DEFAULT));
        }
        return Etcd.await("revoke host " + after.getHost(), kv.txn().If(unchanged(key, before.modRevision()))
                .Then(ops.toArray(Op[]::new)).commit()).isSucceeded();
    }

    private static Cmp absent(String key) {
        return new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0));
    }

    private static Cmp unchanged(String key, long modRevision) {
        return modRevision == 0 ? absent(key) : new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision));
    }
}

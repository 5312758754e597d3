package dev.fleetnet.controller.console;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.ConsoleGrant;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.time.Instant;

/**
 * Web console grants in etcd ({@code console/tokens/{id}}), the only writer of that prefix. Each
 * grant lives under a lease of its own that ends a while after the grant expires. Spending is a
 * compare-and-swap on the key's modification revision: of any number of hosts and controllers
 * spending one token at once, exactly one succeeds.
 */
public final class ConsoleStore {
    private static final int SPEND_ATTEMPTS = 5;
    private final KV kv;
    private final Lease leases;
    private final Keys keys;

    public ConsoleStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.leases = client.getLeaseClient();
        this.keys = keys;
    }

    /** Stores {@code grant} under {@code id}, kept for {@code keep}; fails if the id exists (it never does: 256 random bits). */
    public void create(String id, ConsoleGrant grant, Duration keep) {
        long lease = Etcd.await("grant a lease for a console token", leases.grant(keep.toSeconds())).getID();
        String key = keys.consoleToken(id);
        boolean created = Etcd.await("store console token " + shortId(id), kv.txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(key), Etcd.value(grant), PutOption.builder().withLeaseId(lease).build())).commit()).isSucceeded();
        if (!created) {
            throw new FleetException(FleetException.Kind.CONFLICT, "console token id " + shortId(id) + " exists already; ask again");
        }
    }

    /** The grant stored under {@code id}, or null. */
    public ConsoleGrant grant(String id) {
        KeyValue value = Etcd.get(kv, keys.consoleToken(id));
        return value == null ? null : Etcd.parse(ConsoleGrant.parser(), value);
    }

    /** Spends the token {@code id} for {@code host}: at most once, whoever else tries at the same time. */
    public ConsoleGrants.Verdict spend(String id, String host, Instant now) {
        String key = keys.consoleToken(id);
        for (int attempt = 0; attempt < SPEND_ATTEMPTS; attempt++) {
            KeyValue value = Etcd.get(kv, key);
            ConsoleGrant grant = value == null ? null : Etcd.parse(ConsoleGrant.parser(), value);
            ConsoleGrants.Verdict verdict = ConsoleGrants.judge(grant, now);
            if (verdict instanceof ConsoleGrants.Refused) {
                return verdict;
            }
            // the spent grant keeps the key's lease: it still goes away a while after its expiry
            boolean won = Etcd.await("spend console token " + shortId(id), kv.txn()
                    .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(value.getModRevision())))
                    .Then(Op.put(bytes(key), Etcd.value(ConsoleGrants.spent(grant, host, now)),
                            PutOption.builder().withLeaseId(value.getLease()).build())).commit()).isSucceeded();
            if (won) {
                return verdict;
            }
            // another spend (or the lease's end) changed the key: read it again and judge what is there now
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "console token " + shortId(id) + " changed "
                + SPEND_ATTEMPTS + " times while being spent; not spent");
    }

    /** Enough of an id for logs: never the token. */
    public static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}

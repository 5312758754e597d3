package dev.fleetnet.controller.acme;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.acme.AcmeNames.Backoff;
import dev.fleetnet.controller.acme.AcmeNames.Failures;
import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeFailures;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Failed ACME orders per hostname in etcd ({@code acme/failures/{hostname}}), so the backoff
 * holds across controller restarts and every controller on one etcd honours it. An attempt is
 * claimed by compare-and-set before it is made, so of controllers checking at once one orders.
 */
public final class AcmeFailureStore {
    private final KV kv;
    private final Keys keys;

    public AcmeFailureStore(KV kv, Keys keys) {
        this.kv = kv;
        this.keys = keys;
    }

    /** Every stored record by hostname. */
    public Map<String, Failures> all() {
        Map<String, Failures> out = new TreeMap<>();
        for (AcmeFailures stored : list("")) {
            out.put(stored.getHostname(), failures(stored));
        }
        return out;
    }

    /** The stored records as the API shows them, optionally of one exact hostname, by hostname. */
    public List<AcmeFailures> list(String hostname) {
        return Etcd.parseAll(AcmeFailures.parser(), Etcd.getPrefix(kv, keys.acmeFailures())).stream()
                .filter(f -> hostname.isEmpty() || f.getHostname().equals(hostname)).toList();
    }

    /**
     * Claims the next attempt for {@code hostname}: counts it as a failure before it is made, if
     * the record is still {@code seen} (null: none). Null if it changed since (another controller
     * claimed or failed meanwhile): then this one must not order. A controller that dies during
     * the order so leaves a failure behind, and a crash loop backs off too.
     */
    public Failures claim(String hostname, Failures seen, Instant at, Backoff backoff) {
        Failures claimed = Failures.after(seen, at.truncatedTo(ChronoUnit.MILLIS), // etcd keeps milliseconds
                "attempt under way since " + at + " (counted as failed until it succeeds)");
        return putIf(hostname, seen, claimed, backoff) ? claimed : null;
    }

    /** The claimed attempt failed at {@code at}: the count stays as claimed, the time and reason are the failure's. */
    public Failures failed(String hostname, Failures claimed, Instant at, String error, Backoff backoff) {
        Failures failed = new Failures(claimed.count(), at.truncatedTo(ChronoUnit.MILLIS), error);
        Etcd.await("put ACME failures of " + hostname, kv.put(bytes(keys.acmeFailure(hostname)), Etcd.value(stored(hostname, failed, backoff))));
        return failed;
    }

    /** After a successful order: the name starts with no failures. */
    public void clear(String hostname) {
        Etcd.await("delete ACME failures of " + hostname, kv.delete(bytes(keys.acmeFailure(hostname))));
    }

    /**
     * Deletes the record only if it is still {@code seen}: a controller that failed for the name
     * again meanwhile (its route came back) keeps its count. False if it had changed.
     */
    public boolean forget(String hostname, Failures seen) {
        return putIf(hostname, seen, null, null);
    }

    /** Writes {@code next} (null: deletes) only if the stored record is still {@code seen} (null: absent). */
    private boolean putIf(String hostname, Failures seen, Failures next, Backoff backoff) {
        String key = keys.acmeFailure(hostname);
        KeyValue current = Etcd.get(kv, key);
        Failures now = current == null ? null : failures(Etcd.parse(AcmeFailures.parser(), current));
        if (!java.util.Objects.equals(now, seen)) {
            return false;
        }
        Cmp unchanged = current == null ? new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision()));
        Op write = next == null ? Op.delete(bytes(key), DeleteOption.DEFAULT)
                : Op.put(bytes(key), Etcd.value(stored(hostname, next, backoff)), PutOption.DEFAULT);
        return Etcd.await((next == null ? "delete" : "put") + " ACME failures of " + hostname, kv.txn().If(unchanged).Then(write).commit())
                .isSucceeded();
    }

    private static AcmeFailures stored(String hostname, Failures failures, Backoff backoff) {
        return AcmeFailures.newBuilder().setHostname(hostname).setCount(failures.count())
                .setLastFailureEpochMillis(failures.last().toEpochMilli()).setLastError(failures.lastError())
                .setNextAttemptEpochMillis(failures.nextAttempt(backoff).toEpochMilli()).build();
    }

    private static Failures failures(AcmeFailures stored) {
        return new Failures(Math.max(1, stored.getCount()), Instant.ofEpochMilli(stored.getLastFailureEpochMillis()),
                stored.getLastError());
    }
}

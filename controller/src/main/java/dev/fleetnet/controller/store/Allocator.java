package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.core.AddressPlan;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;

/**
 * Numbers from a counter in etcd, each claimed together with its owner in one transaction:
 * the transaction commits only if the counter is unchanged since it was read and neither the
 * owner's key nor the number's index key exists. Numbers only grow, so a deleted machine's
 * address is not handed out again. Writers that lose a race read again after a short random
 * pause; any number of controllers may allocate at once.
 */
final class Allocator {
    private static final int MAX_ATTEMPTS = 500;
    private final KV kv;

    Allocator(KV kv) {
        this.kv = kv;
    }

    /** What to allocate: a counter, the index key of each number, and the owner that takes it. */
    record Claim(String what, String counterKey, LongFunction<String> indexKey, String ownerKey, String ownerName,
            LongFunction<List<Op>> writes) {}

    /** Claims the next free number; ALREADY_EXISTS if the owner's key exists. */
    long allocate(Claim claim) {
        long skipTo = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue counter = Etcd.get(kv, claim.counterKey());
            long n = Math.max(counter == null ? 1 : Long.parseLong(counter.getValue().toString(StandardCharsets.UTF_8)), skipTo);
            if (n > AddressPlan.MAX_NUMBER) {
                throw new FleetException(FleetException.Kind.EXHAUSTED, claim.what() + ": numbers exhausted (expected: at most "
                        + AddressPlan.MAX_NUMBER + ")");
            }
            Cmp counterUnchanged = counter == null
                    ? new Cmp(bytes(claim.counterKey()), Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(bytes(claim.counterKey()), Cmp.Op.EQUAL, CmpTarget.modRevision(counter.getModRevision()));
            String index = claim.indexKey().apply(n);
            List<Op> writes = new ArrayList<>(claim.writes().apply(n));
            writes.add(Op.put(bytes(index), ByteSequence.from(claim.ownerName(), StandardCharsets.UTF_8), PutOption.DEFAULT));
            writes.add(Op.put(bytes(claim.counterKey()), ByteSequence.from(Long.toString(n + 1), StandardCharsets.UTF_8),
                    PutOption.DEFAULT));
            TxnResponse r = Etcd.await("allocate " + claim.what(), kv.txn()
                    .If(counterUnchanged, new Cmp(bytes(claim.ownerKey()), Cmp.Op.EQUAL, CmpTarget.version(0)),
                            new Cmp(bytes(index), Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(writes.toArray(Op[]::new))
                    .Else(Op.get(bytes(claim.ownerKey()), GetOption.DEFAULT), Op.get(bytes(index), GetOption.DEFAULT))
                    .commit());
            if (r.isSucceeded()) {
                return n;
            }
            if (!r.getGetResponses().get(0).getKvs().isEmpty()) {
                throw new FleetException(FleetException.Kind.ALREADY_EXISTS, claim.what() + " already exists");
            }
            if (!r.getGetResponses().get(1).getKvs().isEmpty()) {
                skipTo = n + 1; // the counter lags behind a taken number (restored backup, manual edit): step over it
            } else {
                pause(attempt);
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "could not allocate a number for " + claim.what()
                + " after " + MAX_ATTEMPTS + " attempts; try again");
    }

    /** Spreads contending writers out so each gets its turn at the counter. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1 + Math.min(attempt, 8)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FleetException(FleetException.Kind.UNAVAILABLE, "interrupted while allocating a number");
        }
    }
}

package dev.fleetnet.controller.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CaLoaderTest {
    /** A stand-in CA: what the loader needs of one is only its generator and its stored form. */
    private record TestCa(String id) {
        Certificate stored() {
            return Certificate.newBuilder().setHostname(id).build();
        }

        static TestCa from(Certificate stored) {
            return new TestCa(stored.getHostname());
        }
    }

    private static CaLoader.Loaded<TestCa> load(CaSlot slot, Supplier<TestCa> generate) {
        return CaLoader.loadOrCreate(slot, generate, TestCa::stored, TestCa::from);
    }

    @Test
    void anEmptySlotGetsTheNewCaAndTheCallerLearnsItCreatedIt() {
        InMemoryCaSlot slot = new InMemoryCaSlot();
        TestCa candidate = new TestCa("ours");
        CaLoader.Loaded<TestCa> loaded = load(slot, () -> candidate);
        assertThat(loaded.created()).isTrue();
        assertThat(loaded.ca()).isSameAs(candidate);
        assertThat(slot.get()).isEqualTo(candidate.stored());
    }

    @Test
    void aStoredCaIsLoadedAndNoneIsGenerated() {
        InMemoryCaSlot slot = new InMemoryCaSlot();
        slot.putIfAbsent(new TestCa("first").stored());
        CaLoader.Loaded<TestCa> loaded = load(slot, () -> {
            throw new AssertionError("generated a CA although one is stored");
        });
        assertThat(loaded).isEqualTo(new CaLoader.Loaded<>(new TestCa("first"), false));
        assertThat(slot.get().getHostname()).isEqualTo("first");
    }

    @Test
    void theLoserOfTheCreateRaceLoadsTheWinnersCa() {
        InMemoryCaSlot slot = new InMemoryCaSlot();
        // the other controller stores its CA after this one saw the slot empty, before it writes
        CaLoader.Loaded<TestCa> loaded = load(slot, () -> {
            slot.putIfAbsent(new TestCa("winner").stored());
            return new TestCa("loser");
        });
        assertThat(loaded).isEqualTo(new CaLoader.Loaded<>(new TestCa("winner"), false));
        assertThat(slot.get().getHostname()).isEqualTo("winner");
    }

    @Test
    void loadersRacingOnOneSlotAllEndWithOneCa() throws Exception {
        int loaders = 8;
        InMemoryCaSlot slot = new InMemoryCaSlot();
        CyclicBarrier together = new CyclicBarrier(loaders);
        AtomicInteger ids = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(loaders);
        try {
            List<Future<CaLoader.Loaded<TestCa>>> results = pool.invokeAll(java.util.Collections.nCopies(loaders,
                    (Callable<CaLoader.Loaded<TestCa>>) () -> load(slot, () -> {
                        TestCa candidate = new TestCa("ca-" + ids.incrementAndGet());
                        await(together); // every loader has seen the slot empty before any writes
                        return candidate;
                    })));
            TestCa stored = TestCa.from(slot.get());
            int created = 0;
            for (Future<CaLoader.Loaded<TestCa>> result : results) {
                assertThat(result.get().ca()).isEqualTo(stored);
                created += result.get().created() ? 1 : 0;
            }
            assertThat(ids).as("every loader generated a candidate").hasValue(loaders);
            assertThat(created).as("exactly one loader created the CA").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

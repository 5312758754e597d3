package dev.fleetnet.controller.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.Certificate;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The etcd {@link CaSlot} against a real etcd: the value format at its key, and one CA however many loaders race. */
class EtcdCaSlotIT {
    private static EtcdProcess etcd;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        etcd.close();
    }

    private static Certificate ca(String id) {
        return Certificate.newBuilder().setHostname(id).setCertificateChainPem("chain of " + id).setPrivateKeyPem("key of " + id).build();
    }

    private static List<KeyValue> raw(String key) throws Exception {
        return client.getKVClient().get(Keys.bytes(key)).get(10, TimeUnit.SECONDS).getKvs();
    }

    @Test
    void theFirstCaStoredIsKeptAsASerializedCertificateAtTheKey() throws Exception {
        String key = "/slot-it/ca/one";
        EtcdCaSlot slot = new EtcdCaSlot(client.getKVClient(), key, "test CA");
        assertThat(slot.get()).isNull();
        assertThat(raw(key)).isEmpty();

        assertThat(slot.putIfAbsent(ca("first"))).as("stored").isNull();
        assertThat(slot.putIfAbsent(ca("second"))).as("the CA already there").isEqualTo(ca("first"));
        assertThat(slot.get()).isEqualTo(ca("first"));
        List<KeyValue> stored = raw(key);
        assertThat(stored).hasSize(1);
        assertThat(Certificate.parseFrom(stored.get(0).getValue().getBytes())).isEqualTo(ca("first"));
        assertThat(stored.get(0).getVersion()).as("written once").isEqualTo(1);
        assertThat(new EtcdCaSlot(client.getKVClient(), key, "test CA").get()).as("another controller reads it").isEqualTo(ca("first"));
    }

    @Test
    void loadersRacingOnOneKeyAllEndWithTheWinnersCa() throws Exception {
        int loaders = 4;
        String key = "/slot-it/ca/race";
        CyclicBarrier together = new CyclicBarrier(loaders);
        ExecutorService pool = Executors.newFixedThreadPool(loaders);
        try {
            List<Future<CaLoader.Loaded<Certificate>>> results = pool.invokeAll(Collections.nCopies(loaders,
                    (Callable<CaLoader.Loaded<Certificate>>) () -> {
                        // each its own slot, as each controller has; all have seen the key empty before any writes
                        CaSlot slot = new EtcdCaSlot(client.getKVClient(), key, "test CA");
                        return CaLoader.loadOrCreate(slot, () -> {
                            Certificate candidate = ca(Thread.currentThread().getName());
                            await(together);
                            return candidate;
                        }, c -> c, c -> c);
                    }));
            Certificate stored = new EtcdCaSlot(client.getKVClient(), key, "test CA").get();
            int created = 0;
            for (Future<CaLoader.Loaded<Certificate>> result : results) {
                assertThat(result.get().ca()).isEqualTo(stored);
                created += result.get().created() ? 1 : 0;
            }
            assertThat(created).as("exactly one loader created the CA").isEqualTo(1);
            assertThat(raw(key).get(0).getVersion()).as("written once").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

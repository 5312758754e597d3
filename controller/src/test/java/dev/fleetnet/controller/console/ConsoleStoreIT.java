package dev.fleetnet.controller.console;

import static dev.fleetnet.controller.store.Keys.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.console.ConsoleTokens;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.ConsoleGrant;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Console links against a real etcd: stored only as a hash, under a lease, and spent once however many hosts race. */
class ConsoleStoreIT {
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

    private static Keys keys() {
        return new Keys("/test-" + UUID.randomUUID() + "/");
    }

    @Test
    void eightHostsSpendingOneLinkAtOnceOpenItOnce() throws Exception {
        ConsoleStore store = new ConsoleStore(client, keys());
        Instant now = Instant.now();
        String token = ConsoleTokens.generate();
        String id = ConsoleTokens.id(token);
        store.create(id, ConsoleGrants.issue("web", now, Duration.ofSeconds(60)), Duration.ofSeconds(120));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ConsoleGrants.Verdict>> tries = new ArrayList<>();
            for (int host = 1; host <= 8; host++) {
                String name = "h" + host;
                tries.add(pool.submit(() -> {
                    go.await();
                    return store.spend(id, name, now.plusSeconds(1));
                }));
            }
            go.countDown();
            List<ConsoleGrants.Verdict> verdicts = new ArrayList<>();
            for (Future<ConsoleGrants.Verdict> f : tries) {
                verdicts.add(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(verdicts).filteredOn(v -> v instanceof ConsoleGrants.Open).containsExactly(new ConsoleGrants.Open("web"));
            ConsoleGrant stored = store.grant(id);
            assertThat(verdicts).filteredOn(v -> v instanceof ConsoleGrants.Refused).hasSize(7)
                    .allSatisfy(v -> assertThat(((ConsoleGrants.Refused) v).message())
                            .contains("was already used at").contains("(through host '" + stored.getSpentByHost() + "')"));
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.spend(id, "h9", now.plusSeconds(2))).isInstanceOf(ConsoleGrants.Refused.class);
    }

    @Test
    void etcdKeepsTheHashUnderALeaseThatOutlivesTheLinkAWhile() throws Exception {
        Keys keys = keys();
        ConsoleStore store = new ConsoleStore(client, keys);
        Instant now = Instant.now();
        String token = ConsoleTokens.generate();
        store.create(ConsoleTokens.id(token), ConsoleGrants.issue("web", now, Duration.ofSeconds(60)), Duration.ofSeconds(90));
        var all = client.getKVClient().get(bytes(keys.consoleTokens()), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS).getKvs();
        assertThat(all).hasSize(1);
        assertThat(all.get(0).getKey().toString(StandardCharsets.UTF_8)).endsWith(ConsoleTokens.id(token)).doesNotContain(token);
        assertThat(all.get(0).getValue().toString(StandardCharsets.ISO_8859_1)).doesNotContain(token);
        long ttl = client.getLeaseClient().timeToLive(all.get(0).getLease(), io.etcd.jetcd.options.LeaseOption.DEFAULT)
                .get(10, TimeUnit.SECONDS).getTTL();
        assertThat(ttl).isBetween(80L, 90L);
        // spending keeps the lease: the spent grant still goes away in time
        assertThat(store.spend(ConsoleTokens.id(token), "h1", now.plusSeconds(1))).isEqualTo(new ConsoleGrants.Open("web"));
        var spent = client.getKVClient().get(bytes(keys.consoleToken(ConsoleTokens.id(token)))).get(10, TimeUnit.SECONDS).getKvs().get(0);
        assertThat(spent.getLease()).isEqualTo(all.get(0).getLease());
    }

    @Test
    void anExpiredOrUnknownLinkOpensNothing() {
        ConsoleStore store = new ConsoleStore(client, keys());
        Instant now = Instant.now();
        String id = ConsoleTokens.id(ConsoleTokens.generate());
        store.create(id, ConsoleGrants.issue("web", now, Duration.ofSeconds(1)), Duration.ofSeconds(60));
        assertThat(store.spend(id, "h1", now.plusSeconds(2))).isInstanceOfSatisfying(ConsoleGrants.Refused.class,
                r -> assertThat(r.message()).contains("expired at"));
        assertThat(store.grant(id).getSpentByHost()).as("an expired link is not marked spent").isEmpty();
        assertThat(store.spend(ConsoleTokens.id(ConsoleTokens.generate()), "h1", now)).isInstanceOfSatisfying(ConsoleGrants.Refused.class,
                r -> assertThat(r.message()).contains("unknown"));
    }
}

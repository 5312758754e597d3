package dev.fleetnet.controller.identity;

import static dev.fleetnet.controller.store.Keys.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.controller.SettableClock;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.RevokedCertificate;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The identity sweep against a real etcd: what it removes, what it keeps, and that a sweep with nothing due writes nothing. */
class IdentitySweepIT {
    private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    private final Keys keys = new Keys("/sweep/");
    private final SettableClock clock = new SettableClock(T0);
    private EtcdProcess etcd;
    private Client client;
    private HostIdentities identities;

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        IdentityStore store = new IdentityStore(client, keys);
        identities = new HostIdentities(store, HostCa.loadOrCreate(store, clock), clock);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            client.close();
        } finally {
            etcd.close();
        }
    }

    @Test
    void expiredTokensGoAWeekAfterTheirExpiryAndRevocationsADayAfterTheirCertificate() throws Exception {
        String hour = identities.createToken("h1", Duration.ofHours(1), 1).stored().getId();
        String month = identities.createToken("", Duration.ofDays(30), 5).stored().getId();
        revoked("0a", T0.plus(Duration.ofDays(10)));
        revoked("0b", T0.plus(Duration.ofDays(100)));
        revoked("0c", null);

        clock.now = T0.plus(Duration.ofHours(1)).plus(Duration.ofDays(7)).minusSeconds(1);
        long before = revision();
        assertThat(identities.sweep()).isEqualTo(new HostIdentities.Swept(0, 0));
        assertThat(revision()).as("a sweep with nothing due writes nothing").isEqualTo(before);

        clock.now = T0.plus(Duration.ofHours(1)).plus(Duration.ofDays(7));
        assertThat(identities.sweep()).isEqualTo(new HostIdentities.Swept(1, 0));
        assertThat(ids(keys.joinTokens())).containsExactly(month);

        clock.now = T0.plus(Duration.ofDays(11));
        assertThat(identities.sweep()).isEqualTo(new HostIdentities.Swept(0, 1));
        assertThat(ids(keys.revokedCertificates())).containsExactlyInAnyOrder("0b", "0c");

        clock.now = T0.plus(Duration.ofDays(3650));
        assertThat(identities.sweep()).isEqualTo(new HostIdentities.Swept(1, 1));
        assertThat(ids(keys.joinTokens())).isEmpty();
        assertThat(ids(keys.revokedCertificates())).as("an entry without an expiry is kept").containsExactly("0c");
        assertThat(hour).isNotEqualTo(month);
    }

    private void revoked(String serial, Instant notAfter) throws Exception {
        RevokedCertificate.Builder entry = RevokedCertificate.newBuilder().setSerial(serial).setHost("h9")
                .setRevokedEpochSeconds(T0.getEpochSecond());
        if (notAfter != null) {
            entry.setNotAfterEpochSeconds(notAfter.getEpochSecond());
        }
        client.getKVClient().put(bytes(keys.revokedCertificate(serial)), dev.fleetnet.controller.store.Etcd.value(entry.build()))
                .get();
    }

    private List<String> ids(String prefix) throws Exception {
        List<KeyValue> kvs = client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get().getKvs();
        return kvs.stream().map(kv -> kv.getKey().toString().substring(prefix.length())).toList();
    }

    private long revision() throws Exception {
        return client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
    }
}

package dev.fleetnet.controller.certs;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.pki.CaSlot;
import dev.fleetnet.controller.pki.EtcdCaSlot;
import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeFailures;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.CertificateKeys;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Certificates in etcd: {@code certs/{fleet|uploaded|acme}/{hostname}} and the fleet CA. Lists
 * return {@link CertificateInfo} only; the keys leave this class only for the writers and views.
 */
public final class CertificateStore {
    private final KV kv;
    private final Keys keys;
    private final EtcdCaSlot fleetCa;

    public CertificateStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
        this.fleetCa = new EtcdCaSlot(kv, keys.fleetCa(), "fleet CA");
    }

    /** A stored certificate and the etcd revision it was last written at, for compare-and-set writes. */
    public record Stored(Certificate certificate, long modRevision) {}

    public Keys keys() {
        return keys;
    }

    /** The certificate of {@code source} for {@code hostname}, or null. */
    public Stored get(CertificateSource source, String hostname) {
        KeyValue value = Etcd.get(kv, keys.certificate(source, hostname));
        return value == null ? null : new Stored(Etcd.parse(Certificate.parser(), value), value.getModRevision());
    }

    /** Every certificate of every source, with keys, by key order. */
    public List<Stored> all() {
        List<Stored> out = new ArrayList<>();
        for (KeyValue value : Etcd.getPrefix(kv, keys.certificates()).getKvs()) {
            out.add(new Stored(Etcd.parse(Certificate.parser(), value), value.getModRevision()));
        }
        return out;
    }

    /** What the API lists: infos only, optionally of one exact hostname, by hostname then source. */
    public List<CertificateInfo> list(String hostname) {
        return all().stream().map(s -> s.certificate().getInfo())
                .filter(info -> hostname.isEmpty() || info.getHostname().equals(hostname))
                .sorted(Comparator.comparing(CertificateInfo::getHostname)
                        .thenComparing(info -> -CertificateKeys.precedence(info.getSource())))
                .toList();
    }

    /** Failed ACME orders (written by the ACME service), optionally of one exact hostname, by hostname. */
    public List<AcmeFailures> acmeFailures(String hostname) {
        return Etcd.parseAll(AcmeFailures.parser(), Etcd.getPrefix(kv, keys.acmeFailures())).stream()
                .filter(f -> hostname.isEmpty() || f.getHostname().equals(hostname)).toList();
    }

    /** Writes unconditionally (the API's upload replaces an earlier upload). */
    public void put(Certificate certificate) {
        Etcd.await("put certificate " + CertificateKeys.key(certificate),
                kv.put(bytes(keys.certificate(certificate.getSource(), certificate.getHostname())), Etcd.value(certificate)));
    }

    /**
     * Writes only if the key is still at {@code expectedModRevision} (0: absent); false if someone
     * wrote first, so two controllers never both issue for one state.
     */
    public boolean putIf(Certificate certificate, long expectedModRevision) {
        String key = keys.certificate(certificate.getSource(), certificate.getHostname());
        TxnResponse r = Etcd.await("put certificate " + CertificateKeys.key(certificate), kv.txn()
                .If(unchanged(key, expectedModRevision))
                .Then(Op.put(bytes(key), Etcd.value(certificate), PutOption.DEFAULT)).commit());
        return r.isSucceeded();
    }

    /** Deletes; false if it was absent. */
    public boolean delete(CertificateSource source, String hostname) {
        return Etcd.await("delete certificate " + CertificateKeys.key(source, hostname),
                kv.delete(bytes(keys.certificate(source, hostname)))).getDeleted() > 0;
    }

    /** Deletes only if the key is still at {@code expectedModRevision}. */
    public boolean deleteIf(CertificateSource source, String hostname, long expectedModRevision) {
        String key = keys.certificate(source, hostname);
        return Etcd.await("delete certificate " + CertificateKeys.key(source, hostname), kv.txn()
                .If(unchanged(key, expectedModRevision)).Then(Op.delete(bytes(key), DeleteOption.DEFAULT)).commit()).isSucceeded();
    }

    /** The stored fleet CA, or null before the first controller created it. */
    public Certificate fleetCa() {
        return fleetCa.get();
    }

    /** Where the fleet CA is kept: created once however many controllers race. */
    public CaSlot fleetCaSlot() {
        return fleetCa;
    }

    private static Cmp unchanged(String key, long modRevision) {
        return modRevision == 0 ? new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision));
    }
}

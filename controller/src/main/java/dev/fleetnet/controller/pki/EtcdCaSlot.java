package dev.fleetnet.controller.pki;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.proto.v1.Certificate;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

/**
 * A CA kept in etcd at one key as a serialized {@link Certificate}; created by one transaction
 * that writes only while the key has never been written (version 0) and otherwise reads what is
 * there, so controllers racing to create it agree on the first writer's.
 */
public final class EtcdCaSlot implements CaSlot {
    private final KV kv;
    private final String key;
    private final String createWhat;

    /** {@code name} is how errors name the CA: "etcd create {name} failed: ...". */
    public EtcdCaSlot(KV kv, String key, String name) {
        this.kv = kv;
        this.key = key;
        this.createWhat = "create " + name;
    }

    @Override
    public Certificate get() {
        KeyValue value = Etcd.get(kv, key);
        return value == null ? null : Etcd.parse(Certificate.parser(), value);
    }

    @Override
    public Certificate putIfAbsent(Certificate candidate) {
        TxnResponse r = Etcd.await(createWhat, kv.txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(key), Etcd.value(candidate), PutOption.DEFAULT))
                .Else(Op.get(bytes(key), GetOption.DEFAULT)).commit());
        return r.isSucceeded() ? null : Etcd.parse(Certificate.parser(), r.getGetResponses().get(0).getKvs().get(0));
    }
}

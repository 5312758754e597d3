package dev.fleetnet.controller.ssh;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.SshCa;
import dev.fleetnet.proto.v1.SshUserKey;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.Comparator;
import java.util.List;

/** SSH state in etcd: the fleet SSH CA ({@code ca/ssh}) and user keys ({@code ssh/keys/{name}}). */
public final class SshStore {
    private final KV kv;
    private final Keys keys;

    public SshStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
    }

    /** The stored CA, or null before the first controller created it. */
    public SshCa ca() {
        KeyValue value = Etcd.get(kv, keys.sshCa());
        return value == null ? null : Etcd.parse(SshCa.parser(), value);
    }

    /** Stores {@code candidate} unless a CA is already there; returns the CA that is. */
    public SshCa createCaIfAbsent(SshCa candidate) {
        TxnResponse r = Etcd.await("create fleet SSH CA", kv.txn()
                .If(new Cmp(bytes(keys.sshCa()), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(keys.sshCa()), Etcd.value(candidate), PutOption.DEFAULT))
                .Else(Op.get(bytes(keys.sshCa()), GetOption.DEFAULT)).commit());
        return r.isSucceeded() ? candidate : Etcd.parse(SshCa.parser(), r.getGetResponses().get(0).getKvs().get(0));
    }

    /** Writes {@code key} unless its name is taken; false if it is. */
    public boolean addKey(SshUserKey key) {
        String k = keys.sshKey(key.getName());
        return Etcd.await("add SSH key " + key.getName(), kv.txn()
                .If(new Cmp(bytes(k), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(k), Etcd.value(key), PutOption.DEFAULT)).commit()).isSucceeded();
    }

    public List<SshUserKey> keys() {
        return Etcd.parseAll(SshUserKey.parser(), Etcd.getPrefix(kv, keys.sshKeys())).stream()
                .sorted(Comparator.comparing(SshUserKey::getName)).toList();
    }

    /** Deletes; false if it was absent. */
    public boolean deleteKey(String name) {
        return Etcd.await("delete SSH key " + name, kv.delete(bytes(keys.sshKey(name)))).getDeleted() > 0;
    }
}

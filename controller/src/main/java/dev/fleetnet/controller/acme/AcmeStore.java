package dev.fleetnet.controller.acme;

import static dev.fleetnet.controller.store.Keys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.Route;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.fleetnet.controller.store.StatusStore;
import org.shredzone.acme4j.util.KeyPairUtils;

/** The etcd side of ACME: what routes and certificates exist, challenges, issued certificates, the account key. */
public final class AcmeStore {
    private static final long TIMEOUT_SECONDS = 10;
    private final KV kv;
    private final Keys keys;
    private final StatusStore status;

    public AcmeStore(Client client, Keys keys) {
        BouncyCastle.ensure();
        this.kv = client.getKVClient();
        this.status = new StatusStore(kv, keys);
        this.keys = keys;
    }

    public Keys keys() {
        return keys;
    }

    /** Route hostnames, the expiry of every uploaded and every ACME certificate. */
    public AcmeNames.State readState() {
        Set<String> routes = new HashSet<>();
        for (KeyValue kv : prefix(keys.routes())) {
            Route route = parse(kv, Route.parser()::parseFrom);
            if (!dev.fleetnet.routing.IngressViews.isStream(route)) { // passthrough and tcp are not terminated here
                routes.add(route.getHostname());
            }
        }
        return new AcmeNames.State(routes, notAfter(CertificateSource.CERTIFICATE_SOURCE_UPLOADED),
                notAfter(CertificateSource.CERTIFICATE_SOURCE_ACME));
    }

    private Map<String, Instant> notAfter(CertificateSource source) {
        Map<String, Instant> notAfter = new HashMap<>();
        for (KeyValue kv : prefix(keys.certificate(source, ""))) {
            Certificate c = parse(kv, Certificate.parser()::parseFrom);
            notAfter.put(c.getHostname(), Instant.ofEpochSecond(c.getInfo().getNotAfterEpochSeconds()));
        }
        return notAfter;
    }

    public Certificate certificate(String hostname) {
        List<KeyValue> kvs = await("get ACME certificate " + hostname,
                kv.get(bytes(keys.certificate(CertificateSource.CERTIFICATE_SOURCE_ACME, hostname)))).getKvs();
        return kvs.isEmpty() ? null : parse(kvs.get(0), Certificate.parser()::parseFrom);
    }

    public void putCertificate(Certificate certificate) {
        await("put ACME certificate " + certificate.getHostname(), kv.put(bytes(keys.certificate(certificate.getSource(),
                certificate.getHostname())), ByteSequence.from(certificate.toByteArray())));
    }

    public void deleteCertificate(String hostname) {
        await("delete ACME certificate " + hostname, kv.delete(bytes(keys.certificate(CertificateSource.CERTIFICATE_SOURCE_ACME, hostname))));
    }

    /** Stores a challenge for the ingress to answer; returns the etcd revision that holds it. */
    public long putChallenge(AcmeChallenge challenge) {
        return await("put ACME challenge for " + challenge.getHostname(), kv.put(bytes(keys.acmeChallenge(challenge.getToken())),
                ByteSequence.from(challenge.toByteArray()))).getHeader().getRevision();
    }

    /** The connected hosts whose agent has not yet applied {@code revision}; see {@link StatusStore#hostsBehind}. */
    public List<String> hostsBehind(long revision) {
        return status.hostsBehind(revision);
    }

    public void deleteChallenge(String token) {
        await("delete ACME challenge " + token, kv.delete(bytes(keys.acmeChallenge(token))));
    }

    /** The account key, created (EC P-256) and stored on first use; later calls and controllers reuse it. */
    public KeyPair accountKey() {
        KeyPair stored = readAccountKey();
        if (stored != null) {
            return stored;
        }
        StringWriter pem = new StringWriter();
        try {
            KeyPairUtils.writeKeyPair(KeyPairUtils.createECKeyPair("secp256r1"), pem);
        } catch (IOException e) {
            throw new IllegalStateException("encoding a new ACME account key: " + e.getMessage(), e);
        }
        ByteSequence key = bytes(keys.acmeAccount());
        // only the first writer wins, so two controllers starting at once end with one account
        await("create ACME account key", kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(key, bytes(pem.toString()), PutOption.DEFAULT)).commit());
        return readAccountKey();
    }

    private KeyPair readAccountKey() {
        List<KeyValue> kvs = await("get ACME account key", kv.get(bytes(keys.acmeAccount()))).getKvs();
        if (kvs.isEmpty()) {
            return null;
        }
        try {
            return KeyPairUtils.readKeyPair(new StringReader(kvs.get(0).getValue().toString(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("corrupt ACME account key at etcd key " + keys.acmeAccount()
                    + " (expected: a PEM key pair): " + e.getClass().getSimpleName(), e);
        }
    }

    private List<KeyValue> prefix(String prefix) {
        return await("get " + prefix + "*", kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build())).getKvs();
    }

    private interface ProtoParser<M> {
        M parseFrom(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private static <M> M parse(KeyValue kv, ProtoParser<M> parser) {
        try {
            return parser.parseFrom(kv.getValue().getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt value at etcd key " + kv.getKey().toString(StandardCharsets.UTF_8) + ": " + e.getMessage(), e);
        }
    }

    private static <T> T await(String what, CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during etcd " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("etcd " + what + " failed: " + cause, cause);
        }
    }
}

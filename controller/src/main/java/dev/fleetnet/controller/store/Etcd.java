package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking helpers over jetcd with a deadline on every call and errors that say what failed.
 * Public for the stores outside this package (certificates).
 */
public final class Etcd {
    private static final long TIMEOUT_SECONDS = 10;

    private Etcd() {}

    public static <T> T await(String what, CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FleetException(FleetException.Kind.UNAVAILABLE, "interrupted during etcd " + what);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new FleetException(FleetException.Kind.UNAVAILABLE, "etcd " + what + " failed: " + cause);
        }
    }

    public static KeyValue get(KV kv, String key) {
        List<KeyValue> kvs = await("get " + key, kv.get(bytes(key))).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    public static GetResponse getPrefix(KV kv, String prefix) {
        return await("get " + prefix + "*", kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
    }

    public static <M extends Message> M parse(Parser<M> parser, KeyValue kv) {
        return parse(parser, kv.getValue(), kv.getKey().toString(StandardCharsets.UTF_8));
    }

    public static <M extends Message> M parse(Parser<M> parser, ByteSequence value, String key) {
        try {
            return parser.parseFrom(value.getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt value at etcd key " + key + ": " + e.getMessage(), e);
        }
    }

    public static <M extends Message> List<M> parseAll(Parser<M> parser, GetResponse response) {
        List<M> out = new ArrayList<>();
        for (KeyValue kv : response.getKvs()) {
            out.add(parse(parser, kv));
        }
        return out;
    }

    public static ByteSequence value(Message message) {
        return ByteSequence.from(message.toByteArray());
    }
}

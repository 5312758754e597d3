package dev.fleetnet.controller.pki;

import dev.fleetnet.proto.v1.Certificate;
import java.util.concurrent.atomic.AtomicReference;

/** A {@link CaSlot} in memory, atomic as etcd's create transaction is. */
final class InMemoryCaSlot implements CaSlot {
    private final AtomicReference<Certificate> stored = new AtomicReference<>();

    @Override
    public Certificate get() {
        return stored.get();
    }

    @Override
    public Certificate putIfAbsent(Certificate candidate) {
        return stored.compareAndExchange(null, candidate);
    }
}

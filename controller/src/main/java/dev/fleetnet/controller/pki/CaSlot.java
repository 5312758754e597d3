package dev.fleetnet.controller.pki;

import dev.fleetnet.proto.v1.Certificate;

/**
 * Where one CA is kept, certificate and key: written once, by whichever writer comes first, and
 * read by every other after that.
 */
public interface CaSlot {
    /** The stored CA, or null before anyone stored one. */
    Certificate get();

    /**
     * Stores {@code candidate} unless a CA is already there, atomically. Returns, as
     * {@link java.util.Map#putIfAbsent} does, the CA that was already there, or null if
     * {@code candidate} is now the stored one.
     */
    Certificate putIfAbsent(Certificate candidate);
}

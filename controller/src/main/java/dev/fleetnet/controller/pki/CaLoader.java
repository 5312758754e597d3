package dev.fleetnet.controller.pki;

import dev.fleetnet.proto.v1.Certificate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Loads the CA kept in a {@link CaSlot}, or creates it there if there is none: however many
 * loaders race, one candidate is stored and every loader ends with that CA. The CA's own class
 * says how a CA is made and what its stored form is.
 */
public final class CaLoader {
    private CaLoader() {}

    /** The CA, and whether this call created it (for the one "created" log line of a fleet). */
    public record Loaded<C>(C ca, boolean created) {}

    /**
     * The CA in {@code slot}, read by {@code fromStored}; or, if there is none, a new one from
     * {@code generate}, stored as {@code toStored} makes it unless another writer stored first,
     * in which case that writer's CA.
     */
    public static <C> Loaded<C> loadOrCreate(CaSlot slot, Supplier<C> generate, Function<C, Certificate> toStored,
            Function<Certificate, C> fromStored) {
        Certificate existing = slot.get();
        if (existing != null) {
            return new Loaded<>(fromStored.apply(existing), false);
        }
        C candidate = generate.get();
        Certificate winner = slot.putIfAbsent(toStored.apply(candidate));
        return winner == null ? new Loaded<>(candidate, true) : new Loaded<>(fromStored.apply(winner), false);
    }
}

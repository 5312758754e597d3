package dev.fleetnet.controller.store;

/** A request the fleet's state refuses; the kind maps to a gRPC status, the message is for people. */
public final class FleetException extends RuntimeException {
    /** Why it was refused. */
    public enum Kind { INVALID, NOT_FOUND, ALREADY_EXISTS, CONFLICT, EXHAUSTED, UNAVAILABLE }

    private final Kind kind;

    public FleetException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

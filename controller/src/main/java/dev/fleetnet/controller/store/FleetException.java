package dev.fleetnet.controller.store;

/** A request the fleet's state refuses; the kind maps to a gRPC status, the message is for people. */
public final class FleetException extends RuntimeException {
    /**
     * Why it was refused. FAILED_PRECONDITION: the request is well formed but the fleet's state
     * does not allow it (a route to a port its machine does not expose).
     */
    public enum Kind { INVALID, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, CONFLICT, EXHAUSTED, UNAVAILABLE }

    private final Kind kind;

    public FleetException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

package dev.fleetnet.ingress.core;

import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressTable;

/**
 * The route table every front-end serves from: an immutable {@link IngressTable} published by
 * one writer (the agent's ingress thread) and swapped whole. A connection reads the current
 * table once per request or connection and decides on that one state.
 */
public final class IngressRoutes {
    private volatile IngressTable current;

    public IngressRoutes(IngressTable initial) {
        this.current = initial;
    }

    public static IngressRoutes empty(IngressNaming naming) {
        return new IngressRoutes(IngressTable.empty(naming));
    }

    public IngressTable current() {
        return current;
    }

    /** Publishes {@code next}; the writer's thread only. Returns the table it replaced. */
    public IngressTable swap(IngressTable next) {
        IngressTable previous = current;
        current = next;
        return previous;
    }
}

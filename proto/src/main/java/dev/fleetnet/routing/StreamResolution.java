package dev.fleetnet.routing;

import java.util.List;

/** The answer of the route table for one stream connection (TLS passthrough or TCP). */
public sealed interface StreamResolution {

    /** No stream route holds the name or port: TLS falls back to termination, TCP resets. */
    record NoRoute() implements StreamResolution {}

    /** Relay to one of {@code candidates} (one for a machine, the ready members for an app) on the route's port. */
    record Forward(StreamRoute route, List<MachineEntry> candidates) implements StreamResolution {
        public Forward {
            candidates = List.copyOf(candidates);
        }
    }

    /** A route holds the name or port but nothing can serve it now ({@code reason} says why). */
    record Refuse(StreamRoute route, String reason) implements StreamResolution {}
}

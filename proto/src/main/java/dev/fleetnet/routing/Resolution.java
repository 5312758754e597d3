package dev.fleetnet.routing;

import java.util.List;

/** The answer of the route table for one request: forward it, or refuse it with a status. */
public sealed interface Resolution {

    /**
     * Forward to one of {@code candidates} (one for a machine, the running members for an app)
     * on {@code port}, with the request path as {@code path}; {@code route} is the explicit
     * route that matched, or {@code null} for the implicit forms.
     */
    record Forward(List<MachineEntry> candidates, int port, String path, RouteSpec route) implements Resolution {
        public Forward {
            candidates = List.copyOf(candidates);
        }

        public boolean rewriteHost() {
            return route != null && route.rewriteHost();
        }
    }

    /** Refuse with an HTTP status and a reason; {@code machine}/{@code port} may be null. */
    record Refuse(int status, String error, String machine, Integer port) implements Resolution {}
}

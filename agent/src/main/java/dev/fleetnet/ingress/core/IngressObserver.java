package dev.fleetnet.ingress.core;

import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;

/**
 * What every front-end reports about the traffic it carries, for metrics and the access log.
 * Called on event loops: an implementation must be cheap and never block (hand slow work such
 * as file writes to its own thread). Every method has a do-nothing default.
 */
public interface IngressObserver {
    IngressObserver NONE = new IngressObserver() {};

    /** An HTTP request got its final response (from the machine or from the ingress itself). */
    default void request(RequestRecord record) {}

    /** A client connection of a TCP or TLS passthrough route was accepted and given to a route. */
    default void connectionOpened(RouteLabel route) {}

    /** A TCP or TLS passthrough connection ended. */
    default void connectionClosed(ConnectionRecord record) {}

    /** Connecting to the route's machine failed (refused, timed out, or no machine running). */
    default void upstreamConnectFailed(RouteLabel route) {}

    /** A route as metrics name it. */
    record RouteLabel(String route, String protocol, String owner) {
        /** The protocol label of HTTP routes (the stream ones are {@code StreamRoute.Protocol#label}). */
        public static final String HTTP = "http";
        /** Requests no route took (unknown hostname, refused at the edge). */
        public static final RouteLabel NONE = new RouteLabel("", HTTP, "");
        private static final String MACHINE = "machine:";

        /** An explicit HTTP route: its key and owner. */
        public static RouteLabel of(RouteSpec route) {
            return new RouteLabel(route.key(), HTTP, route.owner() == null ? "" : route.owner());
        }

        /** A TLS passthrough or TCP route: its key, protocol and owner. */
        public static RouteLabel of(StreamRoute route) {
            return new RouteLabel(route.key(), route.protocol().label(), route.owner());
        }

        /** The implicit names of machine {@code name} ({@code {machine}-{port}.{suffix}} …). */
        public static RouteLabel machine(String name) {
            return new RouteLabel(MACHINE + name, HTTP, name);
        }

        /** True for an explicit route (not {@link #NONE}, not a machine's implicit names). */
        public boolean explicit() {
            return !route.isEmpty() && !route.startsWith(MACHINE);
        }

        // written out: the metrics look every request's label up, and the generated ones go through invokedynamic
        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof RouteLabel l && route.equals(l.route) && protocol.equals(l.protocol) && owner.equals(l.owner);
        }

        @Override
        public int hashCode() {
            return (route.hashCode() * 31 + protocol.hashCode()) * 31 + owner.hashCode();
        }
    }

    /**
     * One HTTP request. {@code upstreamNanos} is the time from sending the request to the
     * machine to its response head (0 when the ingress answered itself); {@code machine} is who
     * served it ({@code ""} when nobody did).
     */
    record RequestRecord(long startEpochMillis, String client, String hostname, String method, String path,
            RouteLabel route, String machine, int status, long bytesIn, long bytesOut, long durationNanos,
            long upstreamNanos, String httpVersion) {}

    /** One TCP or passthrough connection, from accept to close. */
    record ConnectionRecord(long startEpochMillis, String client, String serverName, RouteLabel route, String machine,
            long bytesIn, long bytesOut, long durationNanos, long upstreamConnectNanos, String outcome) {}
}

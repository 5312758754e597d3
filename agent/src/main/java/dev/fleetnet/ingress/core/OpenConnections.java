package dev.fleetnet.ingress.core;

/**
 * What the route table's writer closes after it swaps a new table in: the connections to a
 * machine that stopped, moved or went away, and the long-lived ones (relays, WebSocket tunnels)
 * that went through a route that was removed or now leads somewhere else.
 */
public interface OpenConnections {

    void closeAll(String machineAddress);

    /** {@code protocol}: the route's protocol label ({@code http}, {@code tcp}, {@code tls-passthrough}). */
    void closeRoute(String protocol, String routeKey);

    /** One name space for the keys of every protocol: an HTTP route {@code tcp/…} is not the TCP route on that port. */
    static String routeKey(String protocol, String routeKey) {
        return protocol + " " + routeKey;
    }

    /** Closes nothing (tests of the table alone). */
    OpenConnections NONE = new OpenConnections() {
        @Override
        public void closeAll(String machineAddress) {}

        @Override
        public void closeRoute(String protocol, String routeKey) {}
    };
}

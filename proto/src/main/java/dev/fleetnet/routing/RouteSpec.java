package dev.fleetnet.routing;

/**
 * An explicit ingress route: a hostname (exact, or a one-level wildcard {@code *.example.com}),
 * a path prefix ({@code /} for all), the target (a machine, or an app when {@code targetApp}),
 * the port, the machine that owns the route, and per-route options ({@code redirectHttps}: cleartext
 * requests get 308 to the same URL over HTTPS; {@code h2c}: HTTP/2 with prior knowledge to the machine, for gRPC).
 */
public record RouteSpec(String hostname, String pathPrefix, String target, boolean targetApp, int port,
        String owner, boolean rewriteHost, long maxBodyBytes, boolean redirectHttps, boolean h2c) {

    /** A route to an HTTP/1.1 machine. */
    public RouteSpec(String hostname, String pathPrefix, String target, boolean targetApp, int port,
            String owner, boolean rewriteHost, long maxBodyBytes, boolean redirectHttps) {
        this(hostname, pathPrefix, target, targetApp, port, owner, rewriteHost, maxBodyBytes, redirectHttps, false);
    }

    /** A route served over cleartext HTTP too. */
    public RouteSpec(String hostname, String pathPrefix, String target, boolean targetApp, int port,
            String owner, boolean rewriteHost, long maxBodyBytes) {
        this(hostname, pathPrefix, target, targetApp, port, owner, rewriteHost, maxBodyBytes, false);
    }

    public RouteSpec {
        hostname = Hostnames.normalize(hostname);
        pathPrefix = pathPrefix == null || pathPrefix.isEmpty() ? "/" : pathPrefix;
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path prefix: '" + pathPrefix + "' (expected: starting with '/')");
        }
    }

    /** The identity of a route for ownership: hostname plus path prefix. */
    public String key() {
        return hostname + pathPrefix;
    }

    /** True if requests under both go to the same place the same way (open tunnels of one may stay with the other). */
    public boolean sameDestination(RouteSpec other) {
        return other != null && target.equals(other.target) && targetApp == other.targetApp && port == other.port
                && h2c == other.h2c;
    }

    public boolean wildcard() {
        return hostname.startsWith("*.");
    }

    /** Whether {@code path} falls under this route's prefix (segment-aware: /api matches /api/x, not /apix). */
    public boolean matches(String path) {
        if (pathPrefix.equals("/")) {
            return true;
        }
        if (!path.startsWith(pathPrefix)) {
            return false;
        }
        return path.length() == pathPrefix.length() || pathPrefix.endsWith("/") || path.charAt(pathPrefix.length()) == '/'
                || path.charAt(pathPrefix.length()) == '?';
    }
}

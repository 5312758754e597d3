package dev.fleetnet.ingress.console;

import java.util.Locale;
import java.util.Set;

/**
 * What the web console's hostname answers, from a request head alone: its page and the page's own
 * files, a redirect to HTTPS on the cleartext listener, and the session's WebSocket upgrade, whose
 * Origin must be the console's own and whose link token travels in {@code Sec-WebSocket-Protocol}
 * (never in a URL, so no access log or browser history keeps it). Pure: no I/O.
 */
public final class ConsoleRequests {
    /** Where the page opens its WebSocket. */
    public static final String SESSION_PATH = "/session";
    /** The subprotocol the page offers, next to its token, and the one the ingress selects. */
    public static final String PROTOCOL = "fleetnet.console.v1";
    static final int DEFAULT_COLUMNS = 80;
    static final int DEFAULT_ROWS = 24;

    private ConsoleRequests() {}

    /**
     * One request head: {@code target} is the path and query, {@code hostHeader} the Host as sent
     * (with its port, if any), {@code host} the same lower case without port; the last three are
     * the values of Upgrade, Origin and Sec-WebSocket-Protocol (null when absent).
     */
    public record Head(String method, String target, String host, String hostHeader, String scheme, String upgrade, String origin,
            String protocols) {}

    public sealed interface Decision {}

    /** Send the page's file {@code name} ({@code head}: headers only). */
    public record Serve(String name, boolean head) implements Decision {}

    /** 308 to {@code location}. */
    public record Redirect(String location) implements Decision {}

    /** Spend {@code token}; if it opens a machine, upgrade and start a terminal of {@code columns} x {@code rows}. */
    public record Upgrade(String token, int columns, int rows) implements Decision {
        @Override
        public String toString() {
            return "Upgrade[" + columns + "x" + rows + "]"; // never the token
        }
    }

    /** Answer {@code status} with {@code reason}. */
    public record Refuse(int status, String reason) implements Decision {}

    public static Decision decide(Head head, Set<String> files) {
        if (!"https".equals(head.scheme())) {
            // the link's token must not travel in clear: the page is served over TLS only
            return new Redirect("https://" + head.host() + (head.target().startsWith("/") ? head.target() : "/"));
        }
        String path = pathOf(head.target());
        if (path.equals(SESSION_PATH)) {
            return session(head);
        }
        boolean read = head.method().equals("GET") || head.method().equals("HEAD");
        if (!read) {
            return new Refuse(405, "method " + head.method() + " on the console page (expected: GET or HEAD)");
        }
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!files.contains(name)) {
            return new Refuse(404, "no console file " + path + " (expected: / or one of the page's files)");
        }
        return new Serve(name, head.method().equals("HEAD"));
    }

    private static Decision session(Head head) {
        if (!head.method().equals("GET") || head.upgrade() == null || !head.upgrade().equalsIgnoreCase("websocket")) {
            return new Refuse(400, "the console session is a WebSocket (expected: GET with Upgrade: websocket, got "
                    + head.method() + (head.upgrade() == null ? " without Upgrade" : " with Upgrade: " + head.upgrade()) + ")");
        }
        String expected = "https://" + head.hostHeader().toLowerCase(Locale.ROOT);
        if (head.origin() == null || !head.origin().toLowerCase(Locale.ROOT).equals(expected)) {
            return new Refuse(403, "origin: " + (head.origin() == null ? "none" : "'" + head.origin() + "'")
                    + " (expected: " + expected + ", the console page's own)");
        }
        String token = token(head.protocols());
        if (token == null) {
            return new Refuse(400, "Sec-WebSocket-Protocol: " + (head.protocols() == null ? "none" : "'" + head.protocols() + "'")
                    + " (expected: '" + PROTOCOL + ", TOKEN', as the console page sends)");
        }
        String query = queryOf(head.target());
        return new Upgrade(token, dimension(parameter(query, "cols"), DEFAULT_COLUMNS), dimension(parameter(query, "rows"), DEFAULT_ROWS));
    }

    /** The token offered next to {@link #PROTOCOL}, or null when that protocol is not offered or no other value is. */
    static String token(String protocols) {
        if (protocols == null) {
            return null;
        }
        boolean ours = false;
        String token = null;
        for (String value : protocols.split(",")) {
            String v = value.strip();
            if (v.equals(PROTOCOL)) {
                ours = true;
            } else if (!v.isEmpty() && token == null) {
                token = v;
            }
        }
        return ours ? token : null;
    }

    /** A window dimension from the query, or {@code fallback} when absent or out of range. */
    private static int dimension(String text, int fallback) {
        try {
            return text == null ? fallback : ConsoleFrames.dimension("size", Integer.parseInt(text));
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    private static String parameter(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    private static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static String queryOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? "" : target.substring(query + 1);
    }
}

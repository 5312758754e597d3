package dev.fleetnet.routing;

import java.util.Locale;
import java.util.regex.Pattern;

/** Normalising and validating the hostnames routes are keyed by. */
public final class Hostnames {
    private static final Pattern NAME = Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private Hostnames() {}

    /** Lowercases, drops a trailing dot, and checks the form; {@code *.} only as the first label. */
    public static String normalize(String hostname) {
        if (hostname == null || hostname.isEmpty()) {
            throw new IllegalArgumentException("hostname: empty (expected: e.g. app.example.com or *.example.com)");
        }
        String h = hostname.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.length() > 253 || !NAME.matcher(h).matches()) {
            throw new IllegalArgumentException("hostname: '" + hostname
                    + "' (expected: DNS labels of letters, digits and '-', optionally starting with '*.')");
        }
        return h;
    }

    /** The Host header without its port, lowercased; {@code null} if absent or malformed. */
    public static String fromHostHeader(String header) {
        if (header == null || header.isEmpty()) {
            return null;
        }
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.isEmpty() ? null : h;
    }
}

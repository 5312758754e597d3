package dev.fleetnet.ingress.observe;

import dev.fleetnet.ingress.core.IngressObserver.ConnectionRecord;
import dev.fleetnet.ingress.core.IngressObserver.RequestRecord;
import java.time.Instant;

/**
 * The access log's JSON lines. Fields: {@code time} (ISO-8601, UTC), {@code client},
 * {@code host} (Host or TLS server name), {@code method}, {@code path} (query left out: it may
 * carry secrets), {@code route}, {@code owner}, {@code machine}, {@code status} (HTTP) or
 * {@code outcome} (connections), {@code bytes_in}, {@code bytes_out}, {@code duration_ms},
 * {@code upstream_ms}, {@code protocol}.
 */
final class AccessLogLines {
    private AccessLogLines() {}

    static void request(StringBuilder sb, RequestRecord r) {
        sb.append("{\"time\":\"").append(Instant.ofEpochMilli(r.startEpochMillis())).append('"');
        string(sb, "client", r.client());
        string(sb, "host", r.hostname());
        string(sb, "method", r.method());
        String path = r.path() == null ? "" : r.path();
        int query = path.indexOf('?');
        string(sb, "path", query < 0 ? path : path.substring(0, query));
        string(sb, "route", r.route().route());
        string(sb, "owner", r.route().owner());
        string(sb, "machine", r.machine());
        sb.append(",\"status\":").append(r.status());
        sb.append(",\"bytes_in\":").append(r.bytesIn()).append(",\"bytes_out\":").append(r.bytesOut());
        millis(sb, "duration_ms", r.durationNanos());
        millis(sb, "upstream_ms", r.upstreamNanos());
        string(sb, "protocol", r.httpVersion());
        sb.append('}');
    }

    static void connection(StringBuilder sb, ConnectionRecord c) {
        sb.append("{\"time\":\"").append(Instant.ofEpochMilli(c.startEpochMillis())).append('"');
        string(sb, "client", c.client());
        string(sb, "host", c.serverName());
        string(sb, "route", c.route().route());
        string(sb, "owner", c.route().owner());
        string(sb, "machine", c.machine());
        string(sb, "outcome", c.outcome());
        sb.append(",\"bytes_in\":").append(c.bytesIn()).append(",\"bytes_out\":").append(c.bytesOut());
        millis(sb, "duration_ms", c.durationNanos());
        millis(sb, "upstream_ms", c.upstreamConnectNanos());
        string(sb, "protocol", c.route().protocol());
        sb.append('}');
    }

    /** Milliseconds with three decimals. */
    private static void millis(StringBuilder sb, String name, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        sb.append(",\"").append(name).append("\":").append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            sb.append('0');
        }
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }

    private static void string(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        if (value == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}

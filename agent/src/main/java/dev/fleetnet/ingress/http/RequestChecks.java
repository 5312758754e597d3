package dev.fleetnet.ingress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a request must be before any byte of it is forwarded (RFC 9112, RFC 9110): one Host,
 * a request target the ingress understands, one framing the ingress and every machine read
 * alike, no connection option that would drop the framing or the routing, no method that asks
 * the ingress to be a forward proxy or to echo the request, and only the expectation it can
 * meet. Pure: it reads a request head and says what to do with it.
 */
final class RequestChecks {
    /** Connection options that would make a hop-by-hop removal drop the body's framing or the routing. */
    private static final Set<String> PROTECTED_OPTIONS = Set.of("content-length", "transfer-encoding", "host");
    /** Characters of a reg-name (RFC 3986 3.2.2: unreserved, sub-delims, pct-encoded's '%'), by code point below 128. */
    private static final boolean[] REG_NAME = new boolean[128];
    /** Characters inside an IP literal's brackets, as the ingress accepts them: hex digits, ':' and '.'. */
    private static final boolean[] IP_LITERAL = new boolean[128];

    static {
        for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~!$&'()*+,;=%-".toCharArray()) {
            REG_NAME[c] = true;
        }
        for (char c : "0123456789ABCDEFabcdef:.".toCharArray()) {
            IP_LITERAL[c] = true;
        }
    }

    private RequestChecks() {}

    /** The verdict on one request head. */
    sealed interface Verdict {}

    /** Answer {@code status} with {@code reason}, forward nothing, and end the connection. */
    record Refuse(int status, String reason) implements Verdict {}

    /**
     * Forward, routed by {@code host} (the Host header, or the authority of an absolute-form
     * target) with {@code path} as the origin-form target; {@code expectContinue}: the client
     * waits for {@code 100 Continue} before sending its body; {@code maxForwards}: the
     * Max-Forwards the machine gets (the client's less this hop, RFC 9110 7.6.2), or -1 to leave
     * the field as it is.
     */
    record Accept(String host, String path, boolean expectContinue, long maxForwards) implements Verdict {
        Accept(String host, String path, boolean expectContinue) {
            this(host, path, expectContinue, -1);
        }
    }

    /** {@code OPTIONS *}, or OPTIONS with {@code Max-Forwards: 0}: about the ingress itself, answered here. */
    record AboutServer() implements Verdict {}

    static Verdict check(HttpMethod method, String target, HttpVersion version, HttpHeaders headers) {
        if (method.equals(HttpMethod.CONNECT)) {
            return new Refuse(405, "method CONNECT is not supported (expected: the ingress is not a forward proxy)");
        }
        if (method.equals(HttpMethod.TRACE)) { // it would echo to the client what the ingress adds, and what it was sent
            return new Refuse(405, "method TRACE is not supported (expected: " + ErrorResponses.ALLOWED_METHODS + ")");
        }
        int bad = invalidTargetChar(target);
        if (bad >= 0) {
            return new Refuse(400, String.format("request target byte 0x%02x at %d (expected: visible ASCII without '#': "
                    + "no control byte, space, DEL, non-ASCII byte or fragment)", (int) target.charAt(bad), bad));
        }
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST); // every field: a second one is refused
        if (hosts.size() > 1) {
            return new Refuse(400, "duplicate Host header (" + hosts.size() + " fields; expected: exactly one)");
        }
        if (hosts.isEmpty() && version.equals(HttpVersion.HTTP_1_1)) {
            return new Refuse(400, "missing Host header (expected: one in every HTTP/1.1 request)");
        }
        if (!hosts.isEmpty() && !isUriHost(hosts.getFirst())) {
            return new Refuse(400, "Host: '" + shorten(hosts.getFirst()) + "' (expected: host[:port], without user info)");
        }
        Verdict framing = headers.contains(HttpHeaderNames.TRANSFER_ENCODING) ? checkCodings(headers)
                : headers.contains(HttpHeaderNames.CONTENT_LENGTH) ? checkContentLength(headers) : null;
        if (framing != null) {
            return framing;
        }
        if (headers.contains(HttpHeaderNames.CONNECTION)) { // the common keep-alive request has none
            Verdict options = checkConnectionOptions(headers);
            if (options != null) {
                return options;
            }
        }
        boolean expectContinue = false;
        if (headers.contains(HttpHeaderNames.EXPECT) && version.equals(HttpVersion.HTTP_1_1)) { // HTTP/1.0: Expect is ignored (RFC 9110 10.1.1)
            for (String value : headers.getAll(HttpHeaderNames.EXPECT)) {
                for (String member : value.split(",")) {
                    if (!member.trim().equalsIgnoreCase("100-continue")) {
                        return new Refuse(417, "Expect: " + value.trim() + " (expected: only 100-continue)");
                    }
                }
            }
            expectContinue = true;
        }
        String host = hosts.isEmpty() ? null : hosts.getFirst();
        if (target.equals("*")) {
            return method.equals(HttpMethod.OPTIONS) ? new AboutServer()
                    : new Refuse(400, "request target '*' with " + method + " (expected: only with OPTIONS)");
        }
        long maxForwards = -1;
        if (method.equals(HttpMethod.OPTIONS) && headers.contains(HttpHeaderNames.MAX_FORWARDS)) {
            List<String> fields = headers.getAll(HttpHeaderNames.MAX_FORWARDS);
            long value = fields.size() == 1 ? decimal(fields.getFirst().strip(), 18) : -1;
            if (value < 0) {
                return new Refuse(400, "Max-Forwards: " + shorten(String.join(", ", fields))
                        + " (expected: one field of at most 18 decimal digits)");
            }
            if (value == 0) {
                return new AboutServer(); // the last hop it may reach is this one (RFC 9110 7.6.2)
            }
            maxForwards = value - 1;
        }
        if (target.startsWith("/")) {
            return new Accept(host, target, expectContinue, maxForwards);
        }
        return absoluteForm(target, expectContinue, maxForwards);
    }

    /**
     * The index of the first char a request target may not hold, or -1: RFC 9112 3.2 allows no
     * CTL, SP, DEL, byte of 0x80 or more, nor a fragment. The other visible ASCII that RFC 3986
     * wants escaped ({@code "<>\^`{|}}) real clients send as is, and {@link PlainRequestHead}
     * takes it too: whichever decoder read the head, the same rule holds.
     */
    static int invalidTargetChar(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** {@code value} as the decimal of at most {@code maxDigits} digits it is, or -1 when it is not one (empty, a sign, a list). */
    static long decimal(String value, int maxDigits) {
        int n = value.length();
        if (n == 0 || n > maxDigits) {
            return -1;
        }
        long result = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            result = result * 10 + (c - '0');
        }
        return result;
    }

    /** {@code uri-host [":" port]} (RFC 9110 7.2): an IP literal or a non-empty reg-name, no user info, a port of at most five digits. */
    static boolean isUriHost(String value) {
        int n = value.length();
        int i = 0;
        if (n > 0 && value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (c >= 128 || !IP_LITERAL[c]) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < n && value.charAt(i) != ':') {
                char c = value.charAt(i);
                if (c >= 128 || !REG_NAME[c]) {
                    return false;
                }
                i++;
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (value.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (i++; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * One Content-Length of one decimal length (RFC 9112 6.3 item 5), for every version. A list,
     * even of equal values, is refused as netty's decoder refuses it in HTTP/1.1: the machine
     * must never see a length the ingress did not frame by.
     */
    private static Verdict checkContentLength(HttpHeaders headers) {
        List<String> fields = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (fields.size() != 1 || decimal(fields.getFirst().strip(), 18) < 0) {
            return new Refuse(400, "Content-Length: " + shorten(String.join(", ", fields))
                    + " (expected: one field of one decimal length)");
        }
        return null;
    }

    /**
     * The codings of every Transfer-Encoding field, as one list whose empty members do not count
     * (RFC 9110 5.6.1): it must be {@code chunked} alone, which the ingress decodes and writes
     * anew for the machine.
     */
    private static Verdict checkCodings(HttpHeaders headers) {
        List<String> codings = new java.util.ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
            for (String coding : value.split(",")) {
                String name = coding.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    codings.add(name);
                }
            }
        }
        if (codings.isEmpty()) {
            return new Refuse(400, "Transfer-Encoding without a coding (expected: chunked)");
        }
        if (!codings.equals(List.of("chunked"))) {
            // The ingress re-frames bodies itself; a coding it does not decode would reach the machine not understood (501).
            // A list that does not end in chunked, or has it twice, frames no body at all (RFC 9112 6.1, 6.3): 400.
            boolean chunkedLastOnly = codings.indexOf("chunked") == codings.size() - 1;
            return new Refuse(chunkedLastOnly ? 501 : 400,
                    "Transfer-Encoding: " + String.join(", ", codings) + " (expected: chunked alone)");
        }
        return null;
    }

    private static Verdict checkConnectionOptions(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String option : value.split(",")) {
                String name = option.trim().toLowerCase(Locale.ROOT);
                if (PROTECTED_OPTIONS.contains(name)) {
                    return new Refuse(400, "Connection header names " + name
                            + " (expected: only hop-by-hop options; it would drop the request's framing or routing)");
                }
            }
        }
        return null;
    }

    /** {@code http://authority/path?query}: routed by its authority, forwarded in origin form (RFC 9112 3.2.2). */
    private static Verdict absoluteForm(String target, boolean expectContinue, long maxForwards) {
        int colon = target.indexOf("://");
        String scheme = colon < 0 ? "" : target.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return new Refuse(400, "request target '" + shorten(target) + "' (expected: /path or http(s)://host/path)");
        }
        String rest = target.substring(colon + 3);
        int end = rest.length(); // no '#' is left: the target was checked
        for (char c : new char[] {'/', '?'}) {
            int at = rest.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String authority = rest.substring(0, end);
        if (!isUriHost(authority)) { // it becomes the Host the machine gets: the same syntax as the field's
            return new Refuse(400, "request target '" + shorten(target) + "' (expected: an authority host[:port], without user info)");
        }
        String path = rest.substring(end);
        if (path.isEmpty() || path.startsWith("?")) {
            path = "/" + path;
        }
        return new Accept(authority, path, expectContinue, maxForwards);
    }

    private static String shorten(String target) {
        return target.length() <= 64 ? target : target.substring(0, 64) + "...";
    }
}

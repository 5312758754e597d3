package dev.fleetnet.ingress.http;

import dev.fleetnet.core.Ipv6;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Header rewriting at the proxy: hop-by-hop headers removed, X-Forwarded-* and Forwarded set
 * (extended only when the client is a trusted proxy, replaced otherwise), X-Machine-ID and
 * Via added, Host passed through or rewritten. Other fields that claim the client's address or
 * override the URL (X-Real-IP, CF-Connecting-IP, X-Original-URL, ...) go unless a trusted proxy
 * sent them, and any spelling of those fields with '_' for '-' (X_Forwarded_For) always goes:
 * CGI-style upstreams read it as the field the proxy sets.
 */
final class ForwardingHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString X_MACHINE_ID = AsciiString.cached("x-machine-id");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    /**
     * Connection first: {@link #removeHopByHop} reads its options before it goes. Trailer is not
     * hop-by-hop (RFC 9110 6.6.2) but goes from requests, whose trailer fields the ingress drops;
     * a response keeps it ({@link #toClient}).
     */
    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, KEEP_ALIVE,
            PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION);
    /** The fields the proxy sets: replaced when the message has them, else added. */
    private static final List<AsciiString> SET_BY_PROXY = List.of(X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO,
            X_FORWARDED_PORT, FORWARDED, X_MACHINE_ID, HttpHeaderNames.VIA);
    /**
     * Fields that claim who the client is or which URL it asked for, which the proxy does not set
     * and a machine may believe over X-Forwarded-For: only a trusted proxy's reach the machine.
     */
    private static final List<AsciiString> CLIENT_CLAIMS = Stream.of("x-real-ip", "true-client-ip", "x-client-ip",
            "cf-connecting-ip", "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for", "x-forwarded-server",
            "x-forwarded-prefix", "x-original-url", "x-rewrite-url").map(AsciiString::cached).toList();
    /** What {@link #fieldsPresent} looks for: bit {@code i} of its answer is the name at index {@code i}. */
    private static final List<AsciiString> LOOKED_FOR = Stream.of(HOP_BY_HOP, SET_BY_PROXY, CLIENT_CLAIMS)
            .flatMap(List::stream).toList();
    private static final int HOP_BY_HOP_BITS = (1 << HOP_BY_HOP.size()) - 1;
    private static final int TRAILER = 1 << HOP_BY_HOP.indexOf(HttpHeaderNames.TRAILER);
    private static final int SET_BY_PROXY_BITS = ((1 << SET_BY_PROXY.size()) - 1) << HOP_BY_HOP.size();
    private static final int CLIENT_CLAIMS_BITS = ((1 << CLIENT_CLAIMS.size()) - 1) << (HOP_BY_HOP.size() + SET_BY_PROXY.size());
    /** The bit after {@link #LOOKED_FOR}'s: a field named as one of SET_BY_PROXY or CLIENT_CLAIMS with '_' for some '-'. */
    private static final int UNDERSCORED = 1 << LOOKED_FOR.size();
    private static final int XFF = bit(X_FORWARDED_FOR), XF_HOST = bit(X_FORWARDED_HOST), XF_PROTO = bit(X_FORWARDED_PROTO),
            XF_PORT = bit(X_FORWARDED_PORT), FWD = bit(FORWARDED), MACHINE_ID = bit(X_MACHINE_ID), VIA = bit(HttpHeaderNames.VIA);
    /** The indexes in {@link #LOOKED_FOR} of the names of each length: a field is compared only with those of its own. */
    private static final int[][] BY_LENGTH = byLength();

    /**
     * Who the request came from and on which listener, with the texts every request of the
     * connection repeats made once: the address in RFC 5952 form (fd01::1, not fd01:0:0:0:0:0:0:1,
     * no zone) and the listener's port.
     */
    record Client(InetAddress address, int listenPort, String scheme, boolean trusted, String ip, String portText, Repeat last) {
        Client(InetAddress address, int listenPort, String scheme, boolean trusted) {
            this(address, listenPort, scheme, trusted, address instanceof Inet6Address
                    ? Ipv6.format(address.getAddress()) : address.getHostAddress(), Integer.toString(listenPort), new Repeat());
        }
    }

    /**
     * The fields the proxy set on a connection's last request that sent none of them itself:
     * they are a function of the connection, the Host field, the machine and the proxy's name
     * alone, and a keep-alive client mostly repeats its Host to the same machine, so the next
     * such request gets the same {@link Added}, its bytes made once. Loop-confined, as its connection.
     */
    static final class Repeat {
        private String host;
        private String machine;
        private String proxyName;
        private Added added;

        /** The fields of the last such request if they are those of one with {@code host}, {@code machine} and {@code proxyName}; else null. */
        private Added sameAs(String host, String machine, String proxyName) {
            return added != null && proxyName.equals(this.proxyName) && machine.equals(this.machine) && host.equals(this.host)
                    ? added : null;
        }

        private void remember(String host, String machine, String proxyName, Added added) {
            this.host = host;
            this.machine = machine;
            this.proxyName = proxyName;
            this.added = added;
        }
    }

    private ForwardingHeaders() {}

    /** Rewrites a client request's headers for the upstream machine. */
    static void toUpstream(HttpHeaders h, Client client, String machine, int port, boolean rewriteHost,
            boolean webSocket, String proxyName) {
        forUpstream(h, client, machine, port, rewriteHost, webSocket, proxyName).addTo(h);
    }

    /**
     * Rewrites a client request's headers for the upstream machine but for the fields the proxy
     * sets, which it returns, for the caller to add to the headers or write after them as bytes.
     */
    static Added forUpstream(HttpHeaders h, Client client, String machine, int port, boolean rewriteHost,
            boolean webSocket, String proxyName) {
        // One pass finds what is there: a field the proxy sets is replaced if the client sent it, else only added.
        // Removing the hop-by-hop fields can only make one of them absent, never present: a stale bit costs a lookup.
        int present = fieldsPresent(h);
        String originalHost = h.get(HttpHeaderNames.HOST, "");
        removeHopByHop(h, present);
        if ((present & CLIENT_CLAIMS_BITS) != 0 && !client.trusted()) {
            removeClientClaims(h, present);
        }
        if ((present & UNDERSCORED) != 0) {
            removeUnderscored(h);
        }
        if (webSocket) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        if (rewriteHost) {
            h.set(HttpHeaderNames.HOST, "localhost:" + port);
        }
        boolean own = (present & SET_BY_PROXY_BITS) != 0; // the client sent some of them: its values count
        Added repeated = own ? null : client.last().sameAs(originalHost, machine, proxyName);
        if (repeated != null) {
            return repeated;
        }
        Added added = new Added();
        String ip = client.ip();
        String priorFor = client.trusted() ? h.get(X_FORWARDED_FOR) : null;
        replace(h, present, XFF, added, 0, priorFor == null || priorFor.isBlank() ? ip : priorFor + ", " + ip);
        keepIfTrusted(h, present, client, XF_HOST, added, 1, originalHost);
        keepIfTrusted(h, present, client, XF_PROTO, added, 2, client.scheme());
        keepIfTrusted(h, present, client, XF_PORT, added, 3, client.portText());
        String element = "for=" + forwardedNode(client.address(), ip) + ";host=" + quoteIfNeeded(originalHost)
                + ";proto=" + client.scheme();
        String priorForwarded = client.trusted() ? h.get(FORWARDED) : null;
        replace(h, present, FWD, added, 4, priorForwarded == null || priorForwarded.isBlank() ? element : priorForwarded + ", " + element);
        replace(h, present, MACHINE_ID, added, 5, machine);
        // every Via field line, as one list (RFC 9110 5.3), or none
        String priorVia = (present & VIA) != 0 ? String.join(", ", h.getAll(HttpHeaderNames.VIA)) : null;
        String hop = "1.1 " + proxyName;
        replace(h, present, VIA, added, 6, priorVia == null || priorVia.isBlank() ? hop : priorVia + ", " + hop);
        if (!own) {
            client.last().remember(originalHost, machine, proxyName, added);
        }
        return added;
    }

    /**
     * The fields the proxy sets on a request for the machine, in {@link #SET_BY_PROXY}'s order,
     * each either a value or none (a trusted proxy's own stays in the headers). Not changed once
     * made: a connection's next request may get the same ({@link Repeat}).
     */
    static final class Added {
        private final String[] values = new String[SET_BY_PROXY.size()];
        /** The field lines as bytes, made on the first {@link #writeTo}. */
        private byte[] lines;

        private Added() {}

        void addTo(HttpHeaders h) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] != null) {
                    h.add(SET_BY_PROXY.get(i), values[i]);
                }
            }
        }

        /** Writes the field lines; the values come from the client's checked fields and the ingress's own texts. */
        void writeTo(ByteBuf out) {
            if (lines == null) {
                StringBuilder text = new StringBuilder(256);
                for (int i = 0; i < values.length; i++) {
                    if (values[i] != null) {
                        text.append(SET_BY_PROXY.get(i)).append(": ").append(values[i]).append("\r\n");
                    }
                }
                lines = text.toString().getBytes(StandardCharsets.ISO_8859_1);
            }
            out.writeBytes(lines);
        }
    }

    /** Rewrites an upstream response's headers for the client: its trailer fields go with it, so Trailer stays. */
    static void toClient(HttpHeaders h, boolean webSocketUpgrade, String proxyName) {
        int present = fieldsPresent(h);
        removeHopByHop(h, present & ~TRAILER);
        if (webSocketUpgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        appendVia(h, present, proxyName);
    }

    /** True if the client's {@code TE} lists {@code trailers}: it can take trailer fields (chunked, here). */
    static boolean acceptsTrailers(HttpHeaders h) {
        if (!h.contains(HttpHeaderNames.TE)) {
            return false; // the common case, without a list
        }
        for (String value : h.getAll(HttpHeaderNames.TE)) {
            for (String member : value.split(",")) {
                int parameters = member.indexOf(';');
                if ((parameters < 0 ? member : member.substring(0, parameters)).strip().equalsIgnoreCase("trailers")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True if the request asks to switch to WebSocket. */
    static boolean isWebSocketUpgrade(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static void removeHopByHop(HttpHeaders h, int present) {
        if ((present & HOP_BY_HOP_BITS) == 0) {
            return; // the common case
        }
        if ((present & 1) != 0) { // HOP_BY_HOP's first: Connection
            removeConnectionOptions(h);
        }
        for (int i = 0; i < HOP_BY_HOP.size(); i++) {
            if ((present & 1 << i) != 0) {
                h.remove(HOP_BY_HOP.get(i));
            }
        }
    }

    /** One bit per {@link #HOP_BY_HOP} name (by its index) that {@code h} has, whatever its case. */
    static int hopByHopPresent(HttpHeaders h) {
        return fieldsPresent(h) & HOP_BY_HOP_BITS;
    }

    /**
     * One pass over {@code h}: a bit for each {@link #LOOKED_FOR} name it has, whatever its case,
     * and {@link #UNDERSCORED} for a name of SET_BY_PROXY or CLIENT_CLAIMS spelled with '_' for '-'.
     */
    static int fieldsPresent(HttpHeaders h) {
        int present = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> fields = h.iteratorCharSequence(); fields.hasNext(); ) {
            CharSequence name = fields.next().getKey();
            if (name.length() < BY_LENGTH.length) {
                for (int index : BY_LENGTH[name.length()]) {
                    int match = match(LOOKED_FOR.get(index), name);
                    if (match != NO_MATCH) {
                        present |= match == SAME_NAME ? 1 << index : index >= HOP_BY_HOP.size() ? UNDERSCORED : 0;
                        break;
                    }
                }
            }
        }
        return present;
    }

    private static final int NO_MATCH = 0, SAME_NAME = 1, UNDERSCORE_SPELLING = 2;

    /**
     * Whether {@code name} is {@code looked} (lower case, of the same length) whatever its case
     * ({@link #SAME_NAME}), the same but for '_' where {@code looked} has '-' ({@link #UNDERSCORE_SPELLING}),
     * or neither ({@link #NO_MATCH}, mostly known at the first char).
     */
    private static int match(AsciiString looked, CharSequence name) {
        int result = SAME_NAME;
        for (int i = 0; i < looked.length(); i++) {
            char c = name.charAt(i);
            char l = (char) looked.byteAt(i);
            if (c != l && (c < 'A' || c > 'Z' || c + ('a' - 'A') != l)) {
                if (c != '_' || l != '-') {
                    return NO_MATCH;
                }
                result = UNDERSCORE_SPELLING;
            }
        }
        return result;
    }

    /** The {@link #CLIENT_CLAIMS} {@code present} says {@code h} has: an untrusted client's, not to be believed. */
    private static void removeClientClaims(HttpHeaders h, int present) {
        int first = HOP_BY_HOP.size() + SET_BY_PROXY.size();
        for (int i = 0; i < CLIENT_CLAIMS.size(); i++) {
            if ((present & 1 << (first + i)) != 0) {
                h.remove(CLIENT_CLAIMS.get(i));
            }
        }
    }

    /** Every field named as one the proxy sets or distrusts but with '_' for '-', from any client (rare: a second pass is fine). */
    private static void removeUnderscored(HttpHeaders h) {
        List<String> underscored = new ArrayList<>();
        for (String name : h.names()) {
            if (name.length() < BY_LENGTH.length) {
                for (int index : BY_LENGTH[name.length()]) {
                    if (index >= HOP_BY_HOP.size() && match(LOOKED_FOR.get(index), name) == UNDERSCORE_SPELLING) {
                        underscored.add(name);
                    }
                }
            }
        }
        underscored.forEach(h::remove);
    }

    private static int bit(AsciiString name) {
        return 1 << LOOKED_FOR.indexOf(name);
    }

    private static int[][] byLength() {
        int[][] table = new int[LOOKED_FOR.stream().mapToInt(AsciiString::length).max().orElseThrow() + 1][];
        for (int length = 0; length < table.length; length++) {
            int n = length;
            table[length] = IntStream.range(0, LOOKED_FOR.size()).filter(i -> LOOKED_FOR.get(i).length() == n).toArray();
        }
        return table;
    }

    /** Sets {@code name} to {@code value}: replaced if {@code present} says the header has it, else added. */
    private static void put(HttpHeaders h, int present, int bit, AsciiString name, String value) {
        if ((present & bit) != 0) {
            h.set(name, value);
        } else {
            h.add(name, value);
        }
    }

    /** The field at {@code index} of {@link #SET_BY_PROXY} gets {@code value}: the client's go, if {@code present} says it sent some. */
    private static void replace(HttpHeaders h, int present, int bit, Added added, int index, String value) {
        if ((present & bit) != 0) {
            h.remove(SET_BY_PROXY.get(index));
        }
        added.values[index] = value;
    }

    /** The fields the Connection header names are this hop's only (RFC 9110 7.6.1). */
    private static void removeConnectionOptions(HttpHeaders h) {
        String only = h.get(HttpHeaderNames.CONNECTION);
        if (only.equalsIgnoreCase("keep-alive") && h.getAll(HttpHeaderNames.CONNECTION).size() == 1) {
            return; // an upstream's usual lone option: Keep-Alive goes with the hop-by-hop fields anyway
        }
        List<String> named = new ArrayList<>();
        for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.strip();
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        for (String name : named) {
            if (!name.equalsIgnoreCase("transfer-encoding")) { // framing is re-done by the codec
                h.remove(name);
            }
        }
    }

    /** A trusted proxy's value stays (if it still has one); anyone else's is replaced. */
    private static void keepIfTrusted(HttpHeaders h, int present, Client client, int bit, Added added, int index, String value) {
        if (!client.trusted() || !h.contains(SET_BY_PROXY.get(index))) {
            replace(h, present, bit, added, index, value);
        }
    }

    private static void appendVia(HttpHeaders h, int present, String proxyName) {
        // every Via field line, as one list (RFC 9110 5.3), or none
        String prior = (present & VIA) != 0 ? String.join(", ", h.getAll(HttpHeaderNames.VIA)) : null;
        String hop = "1.1 " + proxyName;
        put(h, present, VIA, HttpHeaderNames.VIA, prior == null || prior.isBlank() ? hop : prior + ", " + hop);
    }

    private static String forwardedNode(InetAddress address, String ip) {
        return address instanceof Inet6Address ? "\"[" + ip + "]\"" : ip;
    }

    /** {@code value} as a Forwarded token, or as a quoted-string with each {@code \} and {@code "} a quoted-pair (RFC 9110 5.6.4). */
    static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean token = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ".-_~!#$&'*+^`|".indexOf(c) >= 0;
            if (!token) {
                return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
        }
        return value;
    }
}

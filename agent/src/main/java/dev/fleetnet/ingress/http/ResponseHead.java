package dev.fleetnet.ingress.http;

/**
 * A machine's HTTP/1.x response head as the ingress parsed it from the bytes (RFC 9112 4, 5 and
 * 6.3): its status, the framing of its body and its field lines, each classified so that the
 * client's head is written from them without building a header map. Parsing is strict: whatever
 * this class cannot read unambiguously is an error, never forwarded.
 *
 * <p>One instance per upstream connection, parsed into again for each response; what a read
 * delivers is valid only during that read. Threading: the upstream connection's event loop.
 */
final class ResponseHead {
    /** A field line the client gets as it came. */
    static final byte KEEP = 0;
    /** Framing: rewritten by the ingress for the client. */
    static final byte CONTENT_LENGTH = 1;
    static final byte TRANSFER_ENCODING = 2;
    /** Hop-by-hop (RFC 9110 7.6.1), or named by the Connection field: this hop's only, dropped. */
    static final byte HOP = 3;
    /** Via: the ingress appends itself to the list. */
    static final byte VIA = 4;
    /**
     * Trailer (RFC 9110 6.6.2): end to end, the client gets it as it came, unless the trailers it
     * announces cannot reach the client (a body dechunked for an HTTP/1.0 client drops them).
     */
    static final byte TRAILER = 5;

    private static final byte[][] HOP_BY_HOP = names("connection", "keep-alive", "proxy-connection", "te", "upgrade",
            "proxy-authenticate", "proxy-authorization");
    private static final byte[] CONTENT_LENGTH_NAME = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING_NAME = ascii("transfer-encoding");
    private static final byte[] CONNECTION_NAME = HOP_BY_HOP[0];
    private static final byte[] VIA_NAME = ascii("via");
    private static final byte[] TRAILER_NAME = ascii("trailer");
    /** Bit 0: a token character (field names, RFC 9110 5.6.2); bit 1: a field value character (VCHAR, obs-text, SP, HTAB). */
    private static final byte[] CHARS = chars();

    private byte[] bytes = new byte[0];
    private int length;
    private boolean http10;
    private int status;
    private int reasonStart;
    private int reasonEnd;
    private int fieldCount;
    /** Per field: name start, name end (the colon), value start, value end (without surrounding whitespace). */
    private int[] fields = new int[4 * 16];
    private byte[] kinds = new byte[16];
    private long contentLength;
    private boolean chunked;
    private boolean close;
    private boolean keepAliveOption;
    /** How often Transfer-Encoding names chunked; counted by {@link #transferCoding}. */
    private int chunkedCodings;

    /**
     * The index just past the empty line that ends the head in {@code b[0, length)}, or -1 if it
     * is not all there yet. Lines end with CRLF or a bare LF (RFC 9112 2.2).
     */
    static int end(byte[] b, int length) {
        for (int i = 0; i < length; i++) {
            if (b[i] == '\n') {
                if (i + 1 < length && b[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < length && b[i + 1] == '\r' && b[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /**
     * Parses the head in {@code b[0, length)} (up to and with its empty line) into this instance,
     * which keeps {@code b}. Returns null, or why the head is not a response the ingress forwards.
     */
    String parse(byte[] b, int length) {
        this.bytes = b;
        this.length = length;
        fieldCount = 0;
        contentLength = -1;
        chunked = false;
        close = false;
        keepAliveOption = false;
        int eol = lineEnd(b, 0, length);
        String statusError = statusLine(b, eol < 0 ? 0 : contentEnd(b, eol));
        if (statusError != null) {
            return statusError;
        }
        boolean transferEncoding = false;
        for (int start = eol + 1; start < length; ) {
            int lf = lineEnd(b, start, length);
            int end = contentEnd(b, lf);
            if (end == start) {
                break; // the empty line
            }
            String error = field(b, start, end);
            if (error != null) {
                return error;
            }
            transferEncoding |= kinds[fieldCount - 1] == TRANSFER_ENCODING;
            start = lf + 1;
        }
        String error = connectionOptions();
        if (error == null) {
            error = readContentLength();
        }
        if (error == null && transferEncoding) {
            error = transferCoding();
        }
        if (error == null && transferEncoding && contentLength >= 0) {
            error = "both Transfer-Encoding and Content-Length (RFC 9112 6.3: a smuggling attempt or a broken server)";
        }
        if (error == null && transferEncoding && http10) {
            error = "Transfer-Encoding in an HTTP/1.0 response";
        }
        return error;
    }

    int status() {
        return status;
    }

    boolean http10() {
        return http10;
    }

    /** The body's length from Content-Length, or -1 when the head has none. */
    long contentLength() {
        return contentLength;
    }

    boolean chunked() {
        return chunked;
    }

    /** Whether the machine lets its connection persist after this response (RFC 9112 9.3). */
    boolean keepAlive() {
        return http10 ? keepAliveOption && !close : !close;
    }

    int fieldCount() {
        return fieldCount;
    }

    byte kind(int field) {
        return kinds[field];
    }

    byte[] bytes() {
        return bytes;
    }

    int reasonStart() {
        return reasonStart;
    }

    int reasonEnd() {
        return reasonEnd;
    }

    /** Where field {@code i}'s line starts (its name) in {@link #bytes()}. */
    int lineStart(int i) {
        return fields[4 * i];
    }

    int valueStart(int i) {
        return fields[4 * i + 2];
    }

    /** Where field {@code i}'s value ends in {@link #bytes()}, trailing whitespace excluded. */
    int valueEnd(int i) {
        return fields[4 * i + 3];
    }

    /** The head's text for messages, with control characters escaped; never parsed again. */
    @Override
    public String toString() {
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }

    private static int lineEnd(byte[] b, int from, int length) {
        for (int i = from; i < length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return length;
    }

    /** The end of a line's content: before its LF and the CR before that, if any. */
    private static int contentEnd(byte[] b, int lf) {
        return lf > 0 && b[lf - 1] == '\r' ? lf - 1 : lf;
    }

    private String statusLine(byte[] b, int end) {
        // HTTP-version SP 3DIGIT [ SP reason-phrase ]
        if (end < 12 || !startsWith(b, "HTTP/1.") || b[8] != ' ' || (b[7] != '1' && b[7] != '0')) {
            return "not an HTTP/1.0 or HTTP/1.1 status line";
        }
        http10 = b[7] == '0';
        int code = 0;
        for (int i = 9; i < 12; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return "status code is not 3 digits";
            }
            code = code * 10 + b[i] - '0';
        }
        if (code < 100 || code > 599) {
            return "status code " + code + " out of range (expected 100-599)";
        }
        status = code;
        if (end > 12 && b[12] != ' ') {
            return "no space after the status code";
        }
        reasonStart = Math.min(13, end);
        reasonEnd = end;
        for (int i = reasonStart; i < end; i++) {
            if ((CHARS[b[i] & 0xff] & 2) == 0) {
                return "control character 0x" + Integer.toHexString(b[i] & 0xff) + " in the reason phrase";
            }
        }
        return null;
    }

    private String field(byte[] b, int start, int end) {
        if (b[start] == ' ' || b[start] == '\t') {
            return "obsolete line folding (RFC 9112 5.2)";
        }
        int colon = start;
        while (colon < end && (CHARS[b[colon] & 0xff] & 1) != 0) {
            colon++;
        }
        if (colon == end || b[colon] != ':') {
            return colon == end ? "a field line without a colon" : "character 0x" + Integer.toHexString(b[colon] & 0xff)
                    + " in a field name (RFC 9112 5.1: none, not even whitespace, before the colon)";
        }
        if (colon == start) {
            return "an empty field name";
        }
        int valueStart = colon + 1;
        while (valueStart < end && (b[valueStart] == ' ' || b[valueStart] == '\t')) {
            valueStart++;
        }
        int valueEnd = end;
        while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
            valueEnd--;
        }
        for (int i = valueStart; i < valueEnd; i++) {
            if ((CHARS[b[i] & 0xff] & 2) == 0) {
                return "control character 0x" + Integer.toHexString(b[i] & 0xff) + " in field " + text(b, start, colon);
            }
        }
        int i = fieldCount++;
        if (kinds.length == i) {
            kinds = java.util.Arrays.copyOf(kinds, 2 * i);
            fields = java.util.Arrays.copyOf(fields, 8 * i);
        }
        fields[4 * i] = start;
        fields[4 * i + 1] = colon;
        fields[4 * i + 2] = valueStart;
        fields[4 * i + 3] = valueEnd;
        kinds[i] = kindOf(b, start, colon);
        return null;
    }

    private static byte kindOf(byte[] b, int start, int end) {
        int n = end - start;
        if (n == CONTENT_LENGTH_NAME.length && equalsIgnoreCase(b, start, CONTENT_LENGTH_NAME)) {
            return CONTENT_LENGTH;
        }
        if (n == TRANSFER_ENCODING_NAME.length && equalsIgnoreCase(b, start, TRANSFER_ENCODING_NAME)) {
            return TRANSFER_ENCODING;
        }
        if (n == VIA_NAME.length && equalsIgnoreCase(b, start, VIA_NAME)) {
            return VIA;
        }
        if (n == TRAILER_NAME.length && equalsIgnoreCase(b, start, TRAILER_NAME)) {
            return TRAILER;
        }
        for (byte[] name : HOP_BY_HOP) {
            if (n == name.length && equalsIgnoreCase(b, start, name)) {
                return HOP;
            }
        }
        return KEEP;
    }

    /** What is done with one member of a comma-separated field value: null, or why the head is refused. */
    private interface Member {
        String accept(int field, int start, int end);
    }

    /** The readers of the members of Connection, Content-Length and Transfer-Encoding: made once, not per response. */
    private final Member connectionOption = (field, a, z) -> {
        option(a, z);
        return null;
    };
    private final Member lengthMember = this::lengthMember;
    private final Member transferCodingMember = this::transferCodingMember;

    /**
     * Calls {@code member} with each member of field {@code i}'s comma-separated value
     * (RFC 9110 5.6.1), whitespace trimmed, empty ones included; stops at the first refusal.
     */
    private String members(int i, Member member) {
        for (int t = fields[4 * i + 2], end = fields[4 * i + 3]; t <= end; ) {
            int comma = t;
            while (comma < end && bytes[comma] != ',') {
                comma++;
            }
            int a = t, z = comma;
            while (a < z && (bytes[a] == ' ' || bytes[a] == '\t')) {
                a++;
            }
            while (z > a && (bytes[z - 1] == ' ' || bytes[z - 1] == '\t')) {
                z--;
            }
            String error = member.accept(i, a, z);
            if (error != null) {
                return error;
            }
            t = comma + 1;
        }
        return null;
    }

    /** Reads the Connection fields: close, keep-alive, and the names of this hop's other fields, which are dropped. */
    private String connectionOptions() {
        for (int i = 0; i < fieldCount; i++) {
            int nameStart = fields[4 * i];
            if (kinds[i] == HOP && fields[4 * i + 1] - nameStart == CONNECTION_NAME.length
                    && equalsIgnoreCase(bytes, nameStart, CONNECTION_NAME)) {
                members(i, connectionOption);
            }
        }
        return null;
    }

    private void option(int a, int z) {
        if (regionEqualsIgnoreCase(a, z, "close")) {
            close = true;
        } else if (regionEqualsIgnoreCase(a, z, "keep-alive")) {
            keepAliveOption = true;
        } else if (z > a) {
            for (int i = 0; i < fieldCount; i++) { // framing stays: the ingress rewrites it anyway
                int nameStart = fields[4 * i];
                if (kinds[i] == KEEP || kinds[i] == VIA || kinds[i] == TRAILER) {
                    if (fields[4 * i + 1] - nameStart == z - a && regionEqualsIgnoreCase(nameStart, a, z)) {
                        kinds[i] = HOP;
                    }
                }
            }
        }
    }

    /** Content-Length: digits, the same value in every line and list member (RFC 9110 8.6). */
    private String readContentLength() {
        for (int i = 0; i < fieldCount; i++) {
            String error = kinds[i] != CONTENT_LENGTH ? null : members(i, lengthMember);
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    private String lengthMember(int field, int a, int z) {
        if (z == a || z - a > 18) {
            return "Content-Length '" + text(bytes, fields[4 * field + 2], fields[4 * field + 3])
                    + "' is not a length (expected 1 to 18 digits)";
        }
        long value = 0;
        for (int d = a; d < z; d++) {
            if (bytes[d] < '0' || bytes[d] > '9') {
                return "Content-Length '" + text(bytes, fields[4 * field + 2], fields[4 * field + 3])
                        + "' is not a length (expected digits)";
            }
            value = value * 10 + bytes[d] - '0';
        }
        if (contentLength >= 0 && contentLength != value) {
            return "Content-Length " + contentLength + " and " + value + " differ";
        }
        contentLength = value;
        return null;
    }

    /** Transfer-Encoding: chunked, once; no other coding is one the ingress can read (RFC 9112 6.1). */
    private String transferCoding() {
        chunkedCodings = 0;
        for (int i = 0; i < fieldCount; i++) {
            String error = kinds[i] != TRANSFER_ENCODING ? null : members(i, transferCodingMember);
            if (error != null) {
                return error;
            }
        }
        if (chunkedCodings != 1) {
            return chunkedCodings == 0 ? "an empty Transfer-Encoding" : "chunked applied " + chunkedCodings + " times";
        }
        chunked = true;
        return null;
    }

    private String transferCodingMember(int field, int a, int z) {
        if (z == a) {
            return null;
        }
        if (!regionEqualsIgnoreCase(a, z, "chunked")) {
            return "transfer coding '" + text(bytes, a, z) + "' (the ingress reads only chunked)";
        }
        chunkedCodings++;
        return null;
    }

    private boolean startsWith(byte[] b, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean regionEqualsIgnoreCase(int a, int z, String lower) {
        if (z - a != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            if (Character.toLowerCase((char) (bytes[a + i] & 0xff)) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean regionEqualsIgnoreCase(int x, int a, int z) {
        for (int i = 0; i < z - a; i++) {
            if (Character.toLowerCase((char) (bytes[x + i] & 0xff)) != Character.toLowerCase((char) (bytes[a + i] & 0xff))) {
                return false;
            }
        }
        return true;
    }

    /** {@code lower} is lower-case letters and '-': a byte of {@code b} matches it in either case. */
    private static boolean equalsIgnoreCase(byte[] b, int start, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if ((b[start + i] | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int start, int end) {
        return new String(b, start, Math.min(end - start, 64), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[][] names(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = ascii(names[i]);
        }
        return out;
    }

    private static byte[] chars() {
        byte[] table = new byte[256];
        for (int c = 0; c < 256; c++) {
            boolean token = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            boolean value = c >= 0x21 && c <= 0x7e || c >= 0x80 || c == ' ' || c == '\t';
            table[c] = (byte) ((token ? 1 : 0) | (value ? 2 : 0));
        }
        return table;
    }
}

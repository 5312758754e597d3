package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The common request head, read from its bytes in one pass instead of by netty's decoder: a
 * request line {@code METHOD SP /origin-form SP HTTP/1.1} (or 1.0), field lines of token names
 * with the colon right after them and values of visible ASCII, spaces and tabs, every line ended
 * by CRLF, the whole head in the bytes at hand, and no field that gives the request a body or
 * asks for more than a plain exchange (Content-Length, Transfer-Encoding, Expect, Upgrade).
 * Each of those is a rule netty's decoder and its header validation enforce too, or a case it
 * handles; this only takes a subset of what they accept, never more. Anything else (a head
 * split across reads, a body, an absolute-form target, a bare LF, obs-fold, a control or non-ASCII
 * byte, a line or head over the limits) is declined without a byte consumed and goes to netty's
 * decoder, whose answers (400, 414, 431) stay the only ones. Pure: bytes in, a request or null out.
 */
final class PlainRequestHead {
    /** Headers as the decoder would make them, without its validation: every byte was checked here. */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    /** tchar (RFC 9110 5.6.2): bit 1. Field value bytes accepted here (VCHAR, SP, HTAB): bit 2. Target bytes (VCHAR): bit 4. */
    private static final byte[] CHARS = new byte[256];
    private static final byte[][] DECLINED = {ascii("content-length"), ascii("transfer-encoding"), ascii("expect"), ascii("upgrade")};
    private static final byte[] HTTP_1_ = ascii("HTTP/1.");
    /** The methods read from their bytes without a string made for them. */
    private static final HttpMethod[] KNOWN_METHODS = {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
            HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE};

    static {
        for (int c = 0x21; c < 0x7f; c++) {
            CHARS[c] |= 2 | 4;
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0) {
                CHARS[c] |= 1;
            }
        }
        CHARS[' '] |= 2;
        CHARS['\t'] |= 2;
    }

    private PlainRequestHead() {}

    /**
     * The request whose head starts at {@code in}'s reader index, that index moved past the head;
     * or null with {@code in} untouched when the head is not a plain one, complete in {@code in}.
     * {@code maxInitialLine} and {@code maxHeader}: the decoder's limits, in bytes with their CRLFs.
     */
    static HttpRequest read(ByteBuf in, int maxInitialLine, int maxHeader) {
        int start = in.readerIndex();
        HeadEnd finder = new HeadEnd();
        int last = in.forEachByte(start, Math.min(in.readableBytes(), maxInitialLine + maxHeader), finder);
        if (last < 0) {
            return null; // not all here, or over the limits: netty's decoder reads it as it comes, or refuses it
        }
        byte[] b = new byte[last + 1 - start];
        in.getBytes(start, b);
        if (headLength(b, maxInitialLine, maxHeader) != b.length) {
            return null;
        }
        HttpRequest request = request(b);
        if (request != null) {
            in.readerIndex(last + 1);
        }
        return request;
    }

    /** Finds the first CRLF CRLF: stops at its last byte. */
    private static final class HeadEnd implements ByteProcessor {
        /** How many bytes of CR LF CR LF were just seen. */
        private int seen;

        @Override
        public boolean process(byte value) {
            seen = value == '\r' ? (seen == 2 ? 3 : 1) : value == '\n' && (seen == 1 || seen == 3) ? seen + 1 : 0;
            return seen != 4;
        }
    }

    /** The length of the plain head at the start of {@code b} with its empty line, or -1. */
    private static int headLength(byte[] b, int maxInitialLine, int maxHeader) {
        int eol = lineEnd(b, 0);
        if (eol < 0 || eol + 2 > maxInitialLine) {
            return -1;
        }
        for (int i = eol + 2; ; ) {
            int end = lineEnd(b, i);
            if (end < 0 || end + 2 - (eol + 2) > maxHeader) {
                return -1;
            }
            if (end == i) {
                return end + 2;
            }
            i = end + 2;
        }
    }

    /** The index of the CR of the CRLF that ends the line starting at {@code from}; -1 for none, or a lone CR or LF before it. */
    private static int lineEnd(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\r') {
                return i + 1 < b.length && b[i + 1] == '\n' ? i : -1;
            }
            if (b[i] == '\n') {
                return -1;
            }
        }
        return -1;
    }

    /** The request of the plain head {@code b} (lines and limits checked), or null. */
    private static HttpRequest request(byte[] b) {
        int i = 0;
        while ((CHARS[b[i] & 0xff] & 1) != 0) {
            i++;
        }
        int methodEnd = i;
        if (methodEnd == 0 || b[i] != ' ' || b[i + 1] != '/') {
            return null;
        }
        int targetStart = i + 1;
        for (i = targetStart; (CHARS[b[i] & 0xff] & 4) != 0; i++) {
            // the origin-form target
        }
        int targetEnd = i;
        int minor = b[i] == ' ' ? minorVersion(b, i + 1) : -1;
        if (minor < 0) {
            return null;
        }
        HttpVersion version = minor == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpHeaders headers = HEADERS.newHeaders();
        for (i += " HTTP/1.1\r\n".length(); i < b.length - 2; ) { // the field lines, up to the empty one
            int nameStart = i;
            while ((CHARS[b[i] & 0xff] & 1) != 0) {
                i++;
            }
            int nameEnd = i;
            if (nameEnd == nameStart || b[i] != ':' || declined(b, nameStart, nameEnd)) {
                return null; // obs-fold, whitespace before the colon, an empty name, or a field that needs netty's handling
            }
            i++;
            while (b[i] == ' ' || b[i] == '\t') {
                i++;
            }
            int valueStart = i;
            while ((CHARS[b[i] & 0xff] & 2) != 0) {
                i++;
            }
            if (b[i] != '\r') {
                return null; // a control or non-ASCII byte
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            headers.add(new AsciiString(b, nameStart, nameEnd - nameStart, false),
                    new AsciiString(b, valueStart, valueEnd - valueStart, false));
            i += 2;
        }
        HttpMethod method = method(b, methodEnd);
        String target = new String(b, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
        return new DefaultHttpRequest(version, method, target, headers);
    }

    /** The method named by {@code b[0, end)} (a token; methods are case-sensitive, RFC 9110 9.1). */
    private static HttpMethod method(byte[] b, int end) {
        for (HttpMethod known : KNOWN_METHODS) {
            AsciiString name = known.asciiName();
            if (name.length() == end && Arrays.equals(b, 0, end, name.array(), name.arrayOffset(), name.arrayOffset() + end)) {
                return known;
            }
        }
        return HttpMethod.valueOf(new String(b, 0, end, StandardCharsets.ISO_8859_1));
    }

    private static boolean declined(byte[] b, int start, int end) {
        for (byte[] name : DECLINED) {
            if (end - start == name.length && equalsIgnoreCase(b, start, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalsIgnoreCase(byte[] b, int at, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** The minor version of "HTTP/1.1" or "HTTP/1.0" at {@code at} ending the line (CR next), or -1 for anything else. */
    private static int minorVersion(byte[] b, int at) {
        int digit = at + HTTP_1_.length;
        if (digit + 1 >= b.length || !Arrays.equals(b, at, digit, HTTP_1_, 0, HTTP_1_.length) || b[digit + 1] != '\r') {
            return -1;
        }
        return b[digit] == '1' ? 1 : b[digit] == '0' ? 0 : -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes the head a client gets for a machine's {@link ResponseHead}, as bytes: the ingress's own
 * HTTP/1.1 status line with the machine's status and reason, the machine's end-to-end field lines
 * as they came, the framing the client can follow, the ingress's connection field and the Via list
 * with the ingress appended (RFC 9110 7.6.1 and 7.6.3). Pure: no I/O.
 */
final class ClientHead {
    /** How the body reaches the client. */
    enum Framing {
        /** No body (HEAD, 1xx, 204, 304): the machine's Content-Length says the representation's length, if it gave one. */
        NONE,
        /** Content-Length, the body as it came. */
        LENGTH,
        /** Chunked as the machine sent it, trailers and all. */
        CHUNKED,
        /** The machine's body ends with its connection: the ingress makes chunks of it for a keep-alive HTTP/1.1 client. */
        MAKE_CHUNKS,
        /** The body ends with the client's connection (an HTTP/1.0 client, or one that asked to close). */
        UNTIL_CLOSE
    }

    /** The connection field the client gets. */
    enum Connection { NONE, CLOSE, KEEP_ALIVE, UPGRADE_WEBSOCKET }

    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] STATUS = ascii("HTTP/1.1 ");
    private static final byte[] CONTENT_LENGTH = ascii("content-length: ");
    private static final byte[] CHUNKED = ascii("transfer-encoding: chunked\r\n");
    private static final byte[] CLOSE = ascii("connection: close\r\n");
    private static final byte[] KEEP_ALIVE = ascii("connection: keep-alive\r\n");
    private static final byte[] UPGRADE = ascii("connection: upgrade\r\nupgrade: websocket\r\n");
    private static final byte[] VIA = ascii("via: ");
    private static final byte[] LIST = ascii(", ");

    private ClientHead() {}

    /** Writes the client's head for {@code head} to {@code out}; {@code viaHop} is this ingress's Via member ("1.1 name"). */
    static void write(ResponseHead head, Framing framing, Connection connection, boolean http11Client, byte[] viaHop, ByteBuf out) {
        byte[] b = head.bytes();
        out.writeBytes(STATUS);
        int status = head.status();
        out.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10).writeByte(' ');
        out.writeBytes(b, head.reasonStart(), head.reasonEnd() - head.reasonStart()).writeBytes(CRLF);
        boolean via = false;
        for (int i = 0, n = head.fieldCount(); i < n; i++) {
            byte kind = head.kind(i);
            if (kind == ResponseHead.KEEP || kind == ResponseHead.TRAILER && http11Client) { // trailers never reach HTTP/1.0
                out.writeBytes(b, head.lineStart(i), head.valueEnd(i) - head.lineStart(i)).writeBytes(CRLF);
            } else if (kind == ResponseHead.VIA) {
                via = true;
            }
        }
        switch (framing) {
            case LENGTH -> contentLength(head.contentLength(), out);
            case CHUNKED, MAKE_CHUNKS -> out.writeBytes(CHUNKED);
            case NONE -> {
                int code = head.status();
                if (code >= 200 && code != 204) { // HEAD and 304: the length of what a GET would have got
                    if (head.contentLength() >= 0) {
                        contentLength(head.contentLength(), out);
                    } else if (head.chunked() && http11Client) {
                        out.writeBytes(CHUNKED);
                    }
                }
            }
            case UNTIL_CLOSE -> { } // the close says where it ends
        }
        switch (connection) {
            case CLOSE -> out.writeBytes(CLOSE);
            case KEEP_ALIVE -> out.writeBytes(KEEP_ALIVE);
            case UPGRADE_WEBSOCKET -> out.writeBytes(UPGRADE);
            case NONE -> { }
        }
        out.writeBytes(VIA);
        if (via) { // every Via line, as one list, then this hop (RFC 9110 7.6.3)
            for (int i = 0, n = head.fieldCount(); i < n; i++) {
                if (head.kind(i) == ResponseHead.VIA && head.valueEnd(i) > head.valueStart(i)) {
                    out.writeBytes(b, head.valueStart(i), head.valueEnd(i) - head.valueStart(i)).writeBytes(LIST);
                }
            }
        }
        out.writeBytes(viaHop).writeBytes(CRLF).writeBytes(CRLF);
    }

    /** The size of a chunk's line ("1a2b\r\n") in front of {@code size} bytes of data. */
    static void chunkLine(int size, ByteBuf out) {
        out.writeCharSequence(Integer.toHexString(size), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
    }

    static void crlf(ByteBuf out) {
        out.writeBytes(CRLF);
    }

    private static void contentLength(long length, ByteBuf out) {
        out.writeBytes(CONTENT_LENGTH);
        decimal(length, out);
        out.writeBytes(CRLF);
    }

    /** {@code value} (0 or more) in decimal digits, written without making a string of it. */
    static void decimal(long value, ByteBuf out) {
        long scale = 1;
        while (scale <= value / 10) {
            scale *= 10;
        }
        for (; scale > 0; scale /= 10) {
            out.writeByte((int) ('0' + value / scale % 10));
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

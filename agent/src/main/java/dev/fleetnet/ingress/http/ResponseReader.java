package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Reads a pooled upstream connection's responses from its bytes: a {@link ResponseHead}, then the
 * body as the bytes that carry it, then {@link #END}; or {@link Invalid} and nothing more. A
 * chunked body comes as it arrived, its framing checked as it passes (the client gets the same
 * chunks), or as its data alone when the exchange asked for that (a client that cannot read
 * chunks). Nothing is copied but the head. After a 101 it stops: what follows is the tunnel's,
 * handed on when this handler is removed.
 *
 * <p>Bytes that follow a complete response in the same read answer no request that was sent
 * (RFC 9112 6.3 and 9.3.2): they are dropped, never read as the next response, and the connection
 * is {@link #spent()}. A body that ends with the connection is complete only if the connection
 * ended with a FIN: a reset cuts it ({@link Invalid}).
 *
 * <p>Threading: the upstream connection's event loop.
 */
final class ResponseReader extends ByteToMessageDecoder {
    /** The response is complete. */
    static final Object END = new Object() {
        @Override
        public String toString() {
            return "END";
        }
    };

    /** The response cannot be read; the connection is not used again. */
    record Invalid(String reason) {}

    /**
     * A dechunked body's trailer section (its field lines, each ended by CRLF, checked), before
     * {@link #END}; the receiver releases it.
     */
    record Trailers(ByteBuf lines) {}

    /** SPENT: a response ended with more bytes behind it; nothing on this connection is read again. */
    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE, UPGRADED, FAILED, SPENT }

    private static final int MAX_CHUNK_LINE = 4096;
    private final int maxHead;
    private final ResponseHead head = new ResponseHead();
    private byte[] scratch = new byte[1024];
    private State state = State.HEAD;
    private long remaining;
    private int trailerBytes;
    private boolean headRequest;
    private boolean dechunk;
    /** The connection failed (a reset, a read error): its end is not a body's end. */
    private boolean broken;

    ResponseReader(int maxHead) {
        this.maxHead = maxHead;
    }

    /**
     * The next response answers a HEAD request (no body, whatever its head says) and, if
     * {@code dechunk}, its chunked body goes on as its data alone.
     */
    void expect(boolean headRequest, boolean dechunk) {
        this.headRequest = headRequest;
        this.dechunk = dechunk;
    }

    /**
     * The last response ended with more bytes behind it, which were dropped: the connection is out
     * of step with its requests and must be closed, never reused.
     */
    boolean spent() {
        return state == State.SPENT;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> head(in, out);
            case LENGTH -> {
                int n = (int) Math.min(in.readableBytes(), remaining);
                out.add(in.readRetainedSlice(n));
                remaining -= n;
                if (remaining == 0) {
                    end(in, out);
                }
            }
            case CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS -> chunked(in, out);
            case UNTIL_CLOSE -> out.add(in.readRetainedSlice(in.readableBytes()));
            case FAILED, SPENT -> in.skipBytes(in.readableBytes());
            case UPGRADED -> { } // held for the tunnel
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
        if (state == State.UNTIL_CLOSE && !broken) {
            end(in, out); // the connection's end (a FIN) is the body's
        } else if (state == State.UNTIL_CLOSE) {
            fail(in, out, "connection reset before the end of a body delimited by the connection's close");
        } else if (state != State.HEAD && state != State.FAILED && state != State.UPGRADED && state != State.SPENT) {
            fail(in, out, "connection closed in the middle of the body");
        }
    }

    /** A read error (e.g. ECONNRESET) comes before the connection's end: remembered so that end is not taken for a FIN. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        broken = true;
        ctx.fireExceptionCaught(cause);
    }

    private void head(ByteBuf in, List<Object> out) {
        int available = Math.min(in.readableBytes(), maxHead);
        if (scratch.length < available) {
            scratch = new byte[Math.min(maxHead, Math.max(available, 2 * scratch.length))];
        }
        in.getBytes(in.readerIndex(), scratch, 0, available);
        int end = ResponseHead.end(scratch, available);
        if (end < 0) {
            if (available == maxHead) {
                fail(in, out, "response head larger than " + maxHead + " bytes");
            }
            return; // more to come
        }
        in.skipBytes(end);
        String error = head.parse(scratch, end);
        if (error != null) {
            fail(in, out, error);
            return;
        }
        out.add(head);
        int status = head.status();
        if (status == 101) {
            state = State.UPGRADED;
        } else if (status < 200) {
            state = State.HEAD; // interim: the final response follows
        } else if (headRequest || status == 204 || status == 304) {
            end(in, out);
        } else if (head.chunked()) {
            state = State.CHUNK_SIZE;
        } else if (head.contentLength() == 0) {
            end(in, out);
        } else if (head.contentLength() > 0) {
            remaining = head.contentLength();
            state = State.LENGTH;
        } else {
            state = State.UNTIL_CLOSE;
        }
    }

    /**
     * Walks the chunked framing (RFC 9112 7.1) over what arrived: what it walked goes on whole,
     * or only the chunks' data when dechunking. CRLF is required after every line.
     */
    private void chunked(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int i = start;
        int limit = in.writerIndex();
        while (i < limit && state != State.FAILED) { // the trailer section's end returns
            switch (state) {
                case CHUNK_SIZE -> {
                    int lf = in.indexOf(i, Math.min(limit, i + MAX_CHUNK_LINE), (byte) '\n');
                    if (lf < 0) {
                        if (limit - i >= MAX_CHUNK_LINE) {
                            fail(in, out, "chunk size line longer than " + MAX_CHUNK_LINE + " bytes");
                            return;
                        }
                        limit = i; // wait for the whole line
                        break;
                    }
                    String error = chunkSize(in, i, lf);
                    if (error != null) {
                        pass(in, start, i, out);
                        fail(in, out, error);
                        return;
                    }
                    i = lf + 1;
                    if (dechunk) {
                        in.readerIndex(i);
                        start = i;
                    }
                    if (remaining == 0) {
                        trailerBytes = 0;
                        state = State.TRAILERS;
                    } else {
                        state = State.CHUNK_DATA;
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(limit - i, remaining);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        if (dechunk) {
                            pass(in, start, i, out);
                            start = i;
                        }
                        state = State.CHUNK_DATA_END;
                    }
                }
                case CHUNK_DATA_END -> {
                    if (limit - i < 2) {
                        limit = i;
                        break;
                    }
                    if (in.getByte(i) != '\r' || in.getByte(i + 1) != '\n') {
                        pass(in, start, i, out);
                        fail(in, out, "chunk data not followed by CRLF");
                        return;
                    }
                    i += 2;
                    if (dechunk) {
                        in.readerIndex(i);
                        start = i;
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    int lf = in.indexOf(i, limit, (byte) '\n');
                    if (lf < 0) {
                        if (trailerBytes + limit - i > maxHead) {
                            fail(in, out, "trailer section larger than " + maxHead + " bytes");
                            return;
                        }
                        limit = i;
                        break;
                    }
                    String error = trailerLine(in, i, lf);
                    if (error != null) {
                        pass(in, start, i, out);
                        fail(in, out, error);
                        return;
                    }
                    trailerBytes += lf + 1 - i;
                    boolean last = lf == i + 1; // CRLF alone: the end of the message
                    i = lf + 1;
                    if (last) {
                        if (dechunk) { // the data went on; the trailer lines go as one
                            if (i - 2 > start) {
                                out.add(new Trailers(in.retainedSlice(start, i - 2 - start)));
                            }
                        } else {
                            pass(in, start, i, out);
                        }
                        in.readerIndex(i);
                        end(in, out);
                        return; // what follows is no part of this response
                    } else if (trailerBytes > maxHead) {
                        fail(in, out, "trailer section larger than " + maxHead + " bytes");
                        return;
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        if (dechunk && state == State.TRAILERS) { // the trailer section goes as one: read again when the rest is here
            trailerBytes = 0;
            in.readerIndex(start);
            return;
        }
        pass(in, start, i, out);
        in.readerIndex(i);
    }

    /** Hands on {@code in[start, end)}: the framing as it came, or (dechunking) a chunk's data. */
    private static void pass(ByteBuf in, int start, int end, List<Object> out) {
        if (end > start) {
            out.add(in.retainedSlice(start, end - start));
        }
    }

    /**
     * chunk-size [ BWS ";" chunk-ext ] CRLF (RFC 9112 7.1): hex digits, then optional spaces or tabs
     * and extensions the ingress passes on unread but checks are text, or the line's end.
     */
    private String chunkSize(ByteBuf in, int from, int lf) {
        if (lf == from || in.getByte(lf - 1) != '\r') {
            return "chunk size line not ended by CRLF";
        }
        long size = 0;
        int digitsEnd = from;
        for (; digitsEnd < lf - 1; digitsEnd++) {
            int digit = Character.digit(in.getByte(digitsEnd), 16);
            if (digit < 0) {
                break;
            }
            if (digitsEnd - from == 15) {
                return "chunk size with more than 15 hex digits";
            }
            size = size << 4 | digit;
        }
        if (digitsEnd == from) {
            return "chunk size is not hex";
        }
        for (int i = digitsEnd; i < lf - 1; i++) {
            byte c = in.getByte(i);
            if (c >= 0 && c < 0x20 && c != '\t' || c == 0x7f) {
                return "control character 0x" + Integer.toHexString(c & 0xff) + " in a chunk size line";
            }
        }
        int afterBws = digitsEnd;
        while (afterBws < lf - 1 && (in.getByte(afterBws) == ' ' || in.getByte(afterBws) == '\t')) {
            afterBws++;
        }
        if (afterBws < lf - 1 && in.getByte(afterBws) != ';') { // "2 3": read as 2 here, as 0x23 or an error elsewhere
            byte after = in.getByte(afterBws);
            return "chunk size followed by '" + (char) (after & 0xff) + "' (expected: spaces or tabs, then ';' or the line's end)";
        }
        remaining = size;
        return null;
    }

    /** A trailer field line (name: value) or the empty line, ended by CRLF. */
    private static String trailerLine(ByteBuf in, int from, int lf) {
        if (lf == from || in.getByte(lf - 1) != '\r') {
            return "trailer line not ended by CRLF";
        }
        if (lf - 1 == from) {
            return null;
        }
        int colon = in.indexOf(from, lf - 1, (byte) ':');
        if (colon <= from) {
            return "a trailer line without a field name and colon";
        }
        for (int i = from; i < colon; i++) {
            byte c = in.getByte(i);
            boolean token = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token) {
                return "character 0x" + Integer.toHexString(c & 0xff) + " in a trailer field name";
            }
        }
        for (int i = colon + 1; i < lf - 1; i++) {
            byte c = in.getByte(i);
            if (c >= 0 && c < 0x20 && c != '\t' || c == 0x7f) {
                return "control character 0x" + Integer.toHexString(c & 0xff) + " in a trailer field";
            }
        }
        return null;
    }

    /**
     * The response is complete. Whatever is left in {@code in} came after it, before any other
     * request was sent: it is dropped and the connection is spent (RFC 9112 6.3: never forwarded
     * as a separate response). Checked here, before the END goes on and the connection can be
     * bound to another exchange within the same read.
     */
    private void end(ByteBuf in, List<Object> out) {
        if (in.isReadable()) {
            in.skipBytes(in.readableBytes());
            state = State.SPENT;
        } else {
            state = State.HEAD;
        }
        out.add(END);
        headRequest = false;
        dechunk = false;
    }

    /** The response is refused for {@code reason}: nothing of it or after it is read again. */
    private void fail(ByteBuf in, List<Object> out, String reason) {
        out.add(new Invalid(reason));
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
    }
}

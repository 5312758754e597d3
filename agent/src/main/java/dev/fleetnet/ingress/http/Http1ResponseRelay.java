package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ReusableBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;

/**
 * A machine's HTTP/1.1 response, read as bytes ({@link ResponseReader}), relayed to a client on
 * this connection's HTTP/1.1 codec: the head rewritten for the client (framing it can follow, its
 * Connection field, Via with this ingress), small body parts gathered behind it so that a small
 * response leaves in one write, and reading from the machine paused while the client cannot take
 * more. Written from the encoder's context, around the encoder. Threading: the client's loop.
 */
final class Http1ResponseRelay {
    /** A body part this small is copied behind what waits to be written: one buffer, one write. */
    private static final int COPY_LIMIT = 2048;
    private static final byte[] LAST_CHUNK = ClientHead.ascii("0\r\n\r\n");

    private final ChannelHandlerContext codecCtx;
    private final Http1ServerCodec.Encoder codec;
    private final String proxyName;
    /** This ingress's Via member, "1.1 {proxy name}", as bytes; made on first use. */
    private byte[] viaHop;

    /** {@code codecCtx}: the context of the client connection's {@link Http1ServerCodec.Encoder}. */
    Http1ResponseRelay(ChannelHandlerContext codecCtx, String proxyName) {
        this.codecCtx = codecCtx;
        this.codec = (Http1ServerCodec.Encoder) codecCtx.handler();
        this.proxyName = proxyName;
    }

    /** Relays one part of {@code ex}'s response: a {@link ResponseHead}, a body buffer, trailers or the end. */
    ResponseStep relay(Exchange ex, Object part) {
        if (part instanceof ByteBuf body) {
            body(ex, body);
            return ResponseStep.MORE;
        }
        if (part instanceof ResponseHead head) {
            return head(ex, head);
        }
        if (part == ResponseReader.END) {
            if (ex.framing == ClientHead.Framing.MAKE_CHUNKS) {
                pending(ex, LAST_CHUNK.length).writeBytes(LAST_CHUNK);
            }
            writePending(ex);
            codecCtx.flush();
            return ResponseStep.COMPLETE;
        }
        if (part instanceof ResponseReader.Trailers trailers) {
            trailers.lines().release(); // a dechunked body's (HTTP/1.0 client): its trailers have no place to go
        }
        return ResponseStep.MORE;
    }

    /** The client's HTTP/1.1 encoder's context: a WebSocket tunnel writes from there once the response switched. */
    ChannelHandlerContext codecContext() {
        return codecCtx;
    }

    /** Writes (unflushed) what waits for the client, if anything: the first write of a final response answers its request. */
    void writePending(Exchange ex) {
        ByteBuf out = ex.pendingOut;
        if (out != null) {
            ex.pendingOut = null;
            if (ex.responseHeld) {
                ex.responseHeld = false;
                codec.answeredAround();
            }
            codecCtx.write(out, codecCtx.voidPromise());
        }
    }

    private ResponseStep head(Exchange ex, ResponseHead head) {
        int status = head.status();
        if (status == 101) {
            if (!ex.webSocket) {
                return ResponseStep.UNASKED_SWITCH;
            }
            ex.cancelResponseTimer();
            ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
            ByteBuf out = codecCtx.alloc().ioBuffer(256);
            ClientHead.write(head, ClientHead.Framing.NONE, ClientHead.Connection.UPGRADE_WEBSOCKET, true, viaHop(), out);
            ex.pendingOut = out; // nothing else waits before a 101: interim responses before it are dropped
            return ResponseStep.SWITCHED;
        }
        if (status < 200) {
            return ResponseStep.MORE; // 100/102/103 are interim: the final response is still to come
        }
        ex.cancelResponseTimer();
        ex.status = status;
        ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
        ex.responseStarted = true;
        boolean http11 = ex.sent.http11();
        boolean keepAlive = ex.sent.keepAlive();
        boolean untilUpstreamCloses = false;
        ClientHead.Framing framing;
        if (HttpMethod.HEAD.equals(ex.request.method()) || status == 204 || status == 304) {
            framing = ClientHead.Framing.NONE;
        } else if (head.chunked()) {
            framing = http11 ? ClientHead.Framing.CHUNKED : ClientHead.Framing.UNTIL_CLOSE; // dechunked for HTTP/1.0 (RFC 9112 6.1)
            keepAlive &= http11;
        } else if (head.contentLength() >= 0) {
            framing = ClientHead.Framing.LENGTH;
        } else {
            untilUpstreamCloses = true;
            framing = http11 && keepAlive ? ClientHead.Framing.MAKE_CHUNKS : ClientHead.Framing.UNTIL_CLOSE;
            keepAlive &= framing == ClientHead.Framing.MAKE_CHUNKS;
        }
        ex.framing = framing;
        ex.upstreamKeepAlive = head.keepAlive() && !untilUpstreamCloses;
        ex.responseKeepAlive = keepAlive;
        ClientHead.Connection connection = !keepAlive ? ClientHead.Connection.CLOSE
                : http11 ? ClientHead.Connection.NONE : ClientHead.Connection.KEEP_ALIVE;
        ClientHead.write(head, framing, connection, http11, viaHop(), pending(ex, 512));
        ex.responseHeld = true; // until the read's end or a body part too big to copy behind it
        return ResponseStep.MORE;
    }

    private void body(Exchange ex, ByteBuf body) {
        int n = body.readableBytes();
        ex.bytesOut += n;
        boolean chunk = ex.framing == ClientHead.Framing.MAKE_CHUNKS;
        if (n == 0) {
            body.release();
            return;
        }
        if (chunk) {
            ClientHead.chunkLine(n, pending(ex, 16));
        }
        if (ex.pendingOut != null && n <= COPY_LIMIT) {
            ex.pendingOut.writeBytes(body);
            body.release();
        } else {
            writePending(ex);
            codecCtx.write(body, codecCtx.voidPromise()); // a failed write reaches exceptionCaught, which closes
        }
        if (chunk) {
            ClientHead.crlf(pending(ex, 2));
        }
        if (!codecCtx.channel().isWritable()) {
            writePending(ex);
            codecCtx.flush();
            // flush() may already have drained it (and fired the writable event): check again.
            if (!codecCtx.channel().isWritable()) {
                ex.upstream.config().setAutoRead(false);
            }
        }
    }

    /** The buffer of what goes to the client next, made with room for {@code bytes} if there is none. */
    private ByteBuf pending(Exchange ex, int bytes) {
        if (ex.pendingOut == null) {
            ex.pendingOut = ReusableBuffer.WRITES.take(codecCtx.alloc(), bytes);
        }
        return ex.pendingOut;
    }

    private byte[] viaHop() {
        if (viaHop == null) {
            viaHop = ClientHead.ascii("1.1 " + proxyName);
        }
        return viaHop;
    }
}

package dev.fleetnet.ingress.h2;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies one HTTP/2 stream's frames to its peer stream on another connection, frame by frame:
 * headers, data and the machine's trailers as they come (gRPC status rides in trailers), RST_STREAM
 * with its error code; a client's request trailers become the bare end of its stream. Reads only while the peer stream can take more, so HTTP/2 flow control reaches
 * across the ingress. Both streams share an event loop.
 */
final class H2cRelay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    /** Non-null on the machine's side: the Via hop added to the response head. */
    private final String via;
    private boolean responseHeadSeen;
    private boolean ended;
    private boolean reset;
    private ChannelFuture lastWrite;
    private boolean flushScheduled;

    H2cRelay(Channel peer, String via) {
        this.peer = peer;
        this.via = via;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Http2StreamFrame copy;
        // A frame names its stream; the peer's must be a fresh frame of the same content.
        if (msg instanceof Http2HeadersFrame h && via == null) {
            // The client's side: its request head went through StreamFront, so this is its trailer
            // section. Request trailers are not forwarded (as from HTTP/1.1 clients): only the end of
            // the stream they carry (netty refuses trailers without END_STREAM).
            copy = new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, h.isEndStream());
            ended |= h.isEndStream();
        } else if (msg instanceof Http2HeadersFrame h) {
            if (!responseHeadSeen && h.headers().status() != null
                    && HttpStatusClass.valueOf(h.headers().status()) != HttpStatusClass.INFORMATIONAL) {
                responseHeadSeen = true;
                CharSequence prior = h.headers().get("via");
                h.headers().set("via", prior == null ? via : prior + ", " + via);
            }
            copy = new DefaultHttp2HeadersFrame(h.headers(), h.isEndStream());
            ended |= h.isEndStream();
        } else if (msg instanceof Http2DataFrame d) {
            copy = new DefaultHttp2DataFrame(d.content(), d.isEndStream());
            ended |= d.isEndStream();
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastWrite = peer.write(copy);
        flushPeer();
        if (!peer.isWritable()) {
            flushPeer();
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushPeer();
    }

    /**
     * Flushes the peer stream and its connection once the current read is done: a stream's
     * read-complete is not always delivered, and a stream's own flush is dropped while its
     * connection's multiplexer counts a read in progress. One task per batch of frames.
     */
    private void flushPeer() {
        if (flushScheduled) {
            return;
        }
        flushScheduled = true;
        peer.eventLoop().execute(() -> {
            flushScheduled = false;
            peer.flush();
            if (peer.parent() != null) {
                peer.parent().flush();
            }
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame r) {
            reset = true;
            if (peer.isActive()) {
                peer.writeAndFlush(new DefaultHttp2ResetFrame(r.errorCode()));
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!peer.isActive()) {
            return;
        }
        if (ended && !reset && lastWrite != null) {
            // This side finished cleanly: the peer's stream ends once what was relayed is written
            // (a close then is a no-op, or cancels a request the response no longer waits for).
            lastWrite.addListener(f -> peer.close());
        } else if (!reset) {
            peer.close(); // an open stream closed: RST_STREAM(CANCEL)
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

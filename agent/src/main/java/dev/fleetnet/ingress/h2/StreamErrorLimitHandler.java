package dev.fleetnet.ingress.h2;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.util.CharsetUtil;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;

/**
 * "MadeYouReset" (CVE-2025-8671): a client that gets the ingress to reset its streams, with frames
 * that are stream errors (a WINDOW_UPDATE of 0, trailers without END_STREAM, a malformed field),
 * costs the machines what rapid reset does, since each stream's request was already forwarded, and
 * never sends a RST_STREAM of its own. netty counts the client's RST_STREAM frames and the ones the
 * ingress sends with an error code, but a failed stream is reset by closing its child channel
 * (CANCEL), which it does not count. This counts the stream errors themselves, between the codec
 * and the streams, against the rapid-reset budget: past it, GOAWAY {@code ENHANCE_YOUR_CALM} and
 * the close. Threading: the connection's event loop.
 */
final class StreamErrorLimitHandler extends ChannelInboundHandlerAdapter {
    private final int maxPerWindow;
    private final long windowNanos;
    private long windowStartNanos;
    private int inWindow;
    private boolean exceeded;

    StreamErrorLimitHandler(int maxPerWindow, int windowSeconds) {
        this.maxPerWindow = maxPerWindow;
        this.windowNanos = TimeUnit.SECONDS.toNanos(windowSeconds);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause); // the stream still ends as before
        if (!(cause instanceof Http2FrameStreamException) || exceeded) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        if (inWindow == 0 || now - windowStartNanos >= windowNanos) {
            windowStartNanos = now;
            inWindow = 0;
        }
        if (++inWindow > maxPerWindow) {
            exceeded = true;
            String debug = "more than " + maxPerWindow + " stream errors in " + TimeUnit.NANOSECONDS.toSeconds(windowNanos) + " s";
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM,
                    Unpooled.copiedBuffer(debug, CharsetUtil.US_ASCII))).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

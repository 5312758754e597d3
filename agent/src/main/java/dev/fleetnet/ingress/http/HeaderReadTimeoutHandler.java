package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Slowloris guard in front of the HTTP decoder: once the first byte of a request arrives,
 * its headers must be complete within the timeout, else {@code 408} and close.
 */
final class HeaderReadTimeoutHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT_RESPONSE = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
            + "Connection: close\r\nContent-Length: 80\r\n\r\n"
            + "{\"error\": \"request headers not received in time\", \"machine\": null, \"port\": null}")
            .getBytes(StandardCharsets.US_ASCII);
    private final long timeoutNanos;
    private boolean awaitingHead = true;
    /** When the first byte of the request now awaited arrived; 0 = none yet. */
    private long headStartedNanos;
    /** At most one timer per connection, re-armed only when it fires early. */
    private ScheduledFuture<?> timer;

    HeaderReadTimeoutHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** The proxy has a full request head: stop the clock. */
    void headReceived() {
        awaitingHead = false;
        headStartedNanos = 0;
    }

    /** The previous exchange is done: the next byte starts the clock again. */
    void expectHead() {
        awaitingHead = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaitingHead && headStartedNanos == 0 && msg instanceof ByteBuf buf && buf.isReadable()) {
            headStartedNanos = System.nanoTime();
            if (timer == null) {
                timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (!awaitingHead || headStartedNanos == 0 || !ctx.channel().isActive()) {
            return; // nothing is being waited for; the next request's first byte re-arms
        }
        long left = headStartedNanos + timeoutNanos - System.nanoTime();
        if (left > 0) {
            timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE)).addListener(ChannelFutureListener.CLOSE);
    }
}

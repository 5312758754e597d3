package dev.fleetnet.ingress.core;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#FIRST_ALL_IDLE_STATE_EVENT} once nothing was read, written or
 * drained on the connection for the timeout, and {@link IdleStateEvent#ALL_IDLE_STATE_EVENT}
 * after each further idle period while it stays open, as netty's {@code IdleStateHandler(0, 0, t)}
 * does (handlers behind it are written for that), but without a listener on every write: writes count when they are flushed, and the connection
 * becoming writable again counts for the bytes that drained. A client that stops reading
 * makes its connection unwritable, the proxy stops writing to it, and the timeout runs out.
 * One timer per connection, re-armed for what is left when it fires early.
 * Threading: the channel's event loop.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private long lastActivityNanos;
    private ScheduledFuture<?> timer;
    private boolean fired;

    public IdleTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("idle timeout " + timeout + " (expected: more than zero)");
        }
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastActivityNanos = System.nanoTime();
        if (ctx.channel().isRegistered()) {
            arm(ctx, timeoutNanos);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        if (timer == null && !fired) {
            arm(ctx, timeoutNanos);
        }
        ctx.fireChannelRegistered();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivityNanos = System.nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        lastActivityNanos = System.nanoTime(); // what was written goes now: one clock read for all of it
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        lastActivityNanos = System.nanoTime();
        ctx.fireChannelWritabilityChanged();
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isOpen()) {
            return;
        }
        long left = lastActivityNanos + timeoutNanos - System.nanoTime();
        if (left > 0) {
            arm(ctx, left);
            return;
        }
        IdleStateEvent event = fired ? IdleStateEvent.ALL_IDLE_STATE_EVENT : IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT;
        fired = true;
        arm(ctx, timeoutNanos); // again after another idle period, as long as the connection stays open
        ctx.fireUserEventTriggered(event);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

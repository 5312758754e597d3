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
 * <p>Traffic only marks the connection active, without reading the clock (a read and a flush on
 * each side of every proxied request would otherwise cost four clock reads); one timer per
 * connection looks every quarter of the timeout, and the last look that saw activity counts as
 * its time. So the event never comes before the timeout has passed without traffic, and at most a
 * quarter of the timeout after that. Time is the event loop's ticker (the system's clock; a test's
 * mock ticker in an {@code EmbeddedChannel}).
 * Threading: the channel's event loop.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
    /** Looks per timeout: how late the event may come, as a share of the timeout. */
    private static final int CHECKS_PER_TIMEOUT = 4;
    private final long timeoutNanos;
    private final long checkNanos;
    /** When the last look saw activity (or the connection began, or the last event fired). */
    private long lastActivityNanos;
    /** Something moved since the last look. */
    private boolean active;
    private ScheduledFuture<?> timer;
    private boolean fired;

    public IdleTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("idle timeout " + timeout + " (expected: more than zero)");
        }
        this.timeoutNanos = timeout.toNanos();
        this.checkNanos = Math.max(1, timeoutNanos / CHECKS_PER_TIMEOUT);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastActivityNanos = ctx.executor().ticker().nanoTime();
        if (ctx.channel().isRegistered()) {
            arm(ctx, checkNanos);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        if (timer == null && !fired) {
            arm(ctx, checkNanos);
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
        active = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        active = true; // what was written goes now
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        active = true;
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
        long now = ctx.executor().ticker().nanoTime();
        if (active) {
            active = false;
            lastActivityNanos = now;
        }
        long left = lastActivityNanos + timeoutNanos - now;
        if (left > 0) {
            arm(ctx, Math.min(left, checkNanos));
            return;
        }
        IdleStateEvent event = fired ? IdleStateEvent.ALL_IDLE_STATE_EVENT : IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT;
        fired = true;
        lastActivityNanos = now; // again after another idle period, as long as the connection stays open
        arm(ctx, checkNanos);
        ctx.fireUserEventTriggered(event);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

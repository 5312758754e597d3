package dev.fleetnet.ingress.http;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The deadlines of a client connection's current exchange, watched by one timer per
 * connection, so a request costs no scheduling and no cancel: the whole request must arrive
 * within the request timeout (slow bodies: 408), and the machine must start its response within
 * the response timeout once the request is in (504). The timer is armed when none is pending, at
 * or before the earliest deadline the exchange has or can still get, and when it fires it
 * re-arms for what is left; every later deadline is at least as far, so a pending timer is never
 * too late. Loop-confined.
 */
final class ExchangeDeadlines {
    /** The deadline an exchange missed. */
    enum Missed {
        /** The whole request did not arrive within the request timeout. */
        REQUEST,
        /** The machine did not start its response within the response timeout. */
        RESPONSE
    }

    private final EventExecutor executor;
    private final long requestTimeoutNanos;
    private final long responseTimeoutNanos;
    private final Supplier<Exchange> current;
    private final Consumer<Missed> expiry;
    private ScheduledFuture<?> timer;

    /** {@code current}: the exchange now under way, or null; {@code expiry}: what the connection does when it missed one. */
    ExchangeDeadlines(EventExecutor executor, Duration requestTimeout, Duration responseTimeout, Supplier<Exchange> current,
            Consumer<Missed> expiry) {
        this.executor = executor;
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.responseTimeoutNanos = responseTimeout.toNanos();
        this.current = current;
        this.expiry = expiry;
    }

    /** {@code ex}'s head came in at {@code nowNanos} (System.nanoTime()): its body must follow within the request timeout. */
    void requestStarted(Exchange ex, long nowNanos) {
        ex.requestDeadline = nowNanos + requestTimeoutNanos;
        arm(ex);
    }

    /** {@code ex}'s request was all in at {@code nowNanos}: the machine's response must start within the response timeout. */
    void awaitingResponse(Exchange ex, long nowNanos) {
        ex.responseDeadline = nowNanos + responseTimeoutNanos;
        arm(ex);
    }

    /** The connection is gone: no timer outlives it. */
    void close() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void arm(Exchange ex) {
        if (timer != null) {
            return;
        }
        long now = System.nanoTime();
        long at = nextDeadline(ex, now);
        if (at != 0) {
            timer = executor.schedule(this::check, Math.max(0, at - now), TimeUnit.NANOSECONDS);
        }
    }

    /** The earliest moment {@code ex} may time out, counting a response deadline it will get once its body is in; 0 for none. */
    private long nextDeadline(Exchange ex, long now) {
        long at = Long.MAX_VALUE;
        if (!ex.requestComplete && ex.requestDeadline != 0) {
            at = Math.min(at, ex.requestDeadline);
            at = Math.min(at, now + responseTimeoutNanos);
        }
        if (!ex.responseStarted && ex.responseDeadline != 0) {
            at = Math.min(at, ex.responseDeadline);
        }
        return at == Long.MAX_VALUE ? 0 : at;
    }

    private void check() {
        timer = null;
        Exchange ex = current.get();
        if (ex == null) {
            return; // the next exchange arms it again
        }
        long now = System.nanoTime();
        if (!ex.requestComplete && ex.requestDeadline != 0 && now - ex.requestDeadline >= 0) {
            expiry.accept(Missed.REQUEST);
            return;
        }
        if (!ex.responseStarted && ex.responseDeadline != 0 && now - ex.responseDeadline >= 0) {
            expiry.accept(Missed.RESPONSE);
            return;
        }
        arm(ex);
    }
}

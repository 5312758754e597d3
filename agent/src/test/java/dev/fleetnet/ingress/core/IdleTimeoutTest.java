package dev.fleetnet.ingress.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofMillis(150);

    /** Records the idle events that reach the handler behind the timeout. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        final List<Object> seen = new ArrayList<>();
        long firedAtNanos;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            seen.add(evt);
            firedAtNanos = System.nanoTime();
        }
    }

    @Test
    void firesWhenNothingMovesForTheTimeoutThenAgainEachPeriod() throws InterruptedException {
        Events events = new Events();
        long start = System.nanoTime();
        EmbeddedChannel channel = new EmbeddedChannel(new IdleTimeout(TIMEOUT), events);
        Poll.until(Duration.ofSeconds(5), "idle event", () -> {
            channel.runScheduledPendingTasks();
            return !events.seen.isEmpty();
        });
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events.seen);
        assertTrue(events.firedAtNanos - start >= TIMEOUT.toNanos(), "fired before the timeout");
        Poll.until(Duration.ofSeconds(5), "the next idle event", () -> {
            channel.runScheduledPendingTasks();
            return events.seen.size() == 2;
        });
        assertEquals(IdleStateEvent.ALL_IDLE_STATE_EVENT, events.seen.get(1));
        assertTrue(events.firedAtNanos - start >= 2 * TIMEOUT.toNanos(), "fired again before another period");
        channel.finishAndReleaseAll();
    }

    @Test
    void readsWritesAndDrainingKeepTheConnectionAlive() throws InterruptedException {
        Events events = new Events();
        EmbeddedChannel channel = new EmbeddedChannel(new IdleTimeout(TIMEOUT), events);
        // activity every 30 ms, alternating read, write and writability, for four timeouts
        long until = System.nanoTime() + 4 * TIMEOUT.toNanos();
        int step = 0;
        long lastActivity = System.nanoTime();
        while (System.nanoTime() < until) {
            switch (step++ % 3) {
                case 0 -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
                case 1 -> channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {2}));
                default -> channel.pipeline().fireChannelWritabilityChanged();
            }
            lastActivity = System.nanoTime();
            long next = lastActivity + Duration.ofMillis(30).toNanos();
            Poll.until(Duration.ofSeconds(1), "30 ms to pass", () -> {
                channel.runScheduledPendingTasks();
                return System.nanoTime() >= next;
            });
            assertTrue(events.seen.isEmpty(), "idle event while traffic flowed");
        }
        Poll.until(Duration.ofSeconds(5), "idle event after the traffic stopped", () -> {
            channel.runScheduledPendingTasks();
            return !events.seen.isEmpty();
        });
        assertTrue(events.firedAtNanos - lastActivity >= TIMEOUT.toNanos(), "fired before the timeout after the last activity");
        channel.finishAndReleaseAll();
    }

    @Test
    void aClosedConnectionGetsNoEvent() throws InterruptedException {
        Events events = new Events();
        EmbeddedChannel channel = new EmbeddedChannel(new IdleTimeout(TIMEOUT), events);
        channel.close();
        long after = System.nanoTime() + 2 * TIMEOUT.toNanos();
        Poll.until(Duration.ofSeconds(5), "two timeouts to pass", () -> {
            channel.runScheduledPendingTasks();
            return System.nanoTime() >= after;
        });
        assertTrue(events.seen.isEmpty(), "idle event on a closed connection: " + events.seen);
    }

    /**
     * On a mock clock: traffic just after one of the timer's looks (every quarter of the timeout)
     * is seen at the next look, and the event comes once a whole timeout has passed since that
     * look: never before the timeout after the traffic, at most a quarter after it.
     */
    @Test
    void theEventComesNoSoonerThanTheTimeoutAfterTheLastTrafficAndAtMostAQuarterLater() {
        MockTicker clock = Ticker.newMockTicker();
        Events events = new Events();
        EmbeddedChannel channel = EmbeddedChannel.builder().ticker(clock).handlers(new IdleTimeout(Duration.ofMillis(400)), events)
                .build();
        advance(channel, clock, 101); // a look at 100 ms saw nothing
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1})); // the last traffic, at 101 ms
        for (int ms = 102; ms < 101 + 400; ms++) {
            advance(channel, clock, 1);
            assertTrue(events.seen.isEmpty(), "idle event " + (ms - 101) + " ms after the last traffic (timeout 400 ms)");
        }
        for (int ms = 101 + 400; ms <= 101 + 400 + 100 && events.seen.isEmpty(); ms++) {
            advance(channel, clock, 1);
        }
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events.seen,
                "no idle event within a quarter of the timeout after it ran out");
        channel.finishAndReleaseAll();
    }

    private static void advance(EmbeddedChannel channel, MockTicker clock, long millis) {
        clock.advance(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void refusesATimeoutOfZero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IdleTimeout(Duration.ZERO));
        assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
    }
}

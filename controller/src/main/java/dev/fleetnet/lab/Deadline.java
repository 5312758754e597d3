package dev.fleetnet.lab;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: synchronisation without sleeps-and-hope. */
public final class Deadline {
    private Deadline() {}

    /** Waits until {@code condition} is true; throws naming {@code what} and the last observation on timeout. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> lastSeen) {
        long end = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 10;
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > end) {
                String seen = lastSeen.get();
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
                        + (seen.isEmpty() ? "" : " (last seen: " + seen + ")"));
            }
            try {
                Thread.sleep(pauseMillis); // poll interval, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
            pauseMillis = Math.min(pauseMillis * 2, 200);
        }
    }
}

package dev.fleetnet.ingress.console;

import java.util.concurrent.CompletableFuture;

/** Spends web console link tokens: each opens one machine's terminal, once, whichever host receives it. */
@FunctionalInterface
public interface ConsoleLinks {
    /** Not spent: the message says why, for the person holding the link. */
    final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Completes with the machine {@code token} opens, or exceptionally ({@link Refused} or another failure). */
    CompletableFuture<String> spend(String token);
}

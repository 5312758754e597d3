package dev.fleetnet.controller.console;

import dev.fleetnet.proto.v1.ConsoleGrant;
import java.time.Duration;
import java.time.Instant;

/**
 * The rules of web console tokens, apart from etcd: how long one may live, and whether a stored
 * grant may be spent now, or why not (in words for the person holding the URL).
 */
public final class ConsoleGrants {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    public static final Duration MAX_TTL = Duration.ofMinutes(10);
    /** How long a grant stays in etcd past its expiry, so a late try hears "expired" or "already used", not "unknown". */
    public static final Duration KEPT_AFTER_EXPIRY = Duration.ofMinutes(10);

    private ConsoleGrants() {}

    /** What spending a token decides. */
    public sealed interface Verdict {}

    /** Spent now: open a terminal on {@code machine}. */
    public record Open(String machine) implements Verdict {}

    /** Not spent: {@code message} says why. */
    public record Refused(String message) implements Verdict {}

    /** The lifetime asked for: 0 means the default; otherwise 1 s .. 10 min. */
    public static Duration ttl(long seconds) {
        if (seconds == 0) {
            return DEFAULT_TTL;
        }
        if (seconds < 1 || seconds > MAX_TTL.toSeconds()) {
            throw new IllegalArgumentException("ttl: " + seconds + "s (expected: 1s.." + MAX_TTL.toSeconds() + "s)");
        }
        return Duration.ofSeconds(seconds);
    }

    /** A grant for {@code machine} issued {@code now}, valid for {@code ttl}. */
    public static ConsoleGrant issue(String machine, Instant now, Duration ttl) {
        return ConsoleGrant.newBuilder().setMachine(machine).setIssuedEpochMillis(now.toEpochMilli())
                .setExpiresEpochMillis(now.plus(ttl).toEpochMilli()).build();
    }

    /** May {@code grant} (null: none stored) be spent at {@code now}? */
    public static Verdict judge(ConsoleGrant grant, Instant now) {
        if (grant == null) {
            return new Refused("fleetnet: this console link is unknown or expired long ago"
                    + " (expected: a fresh link from `fleetnet machine console MACHINE`)");
        }
        String again = " (expected: a fresh link from `fleetnet machine console " + grant.getMachine() + "`)";
        if (!grant.getSpentByHost().isEmpty()) {
            return new Refused("fleetnet: this console link for machine '" + grant.getMachine() + "' was already used at "
                    + Instant.ofEpochMilli(grant.getSpentEpochMillis()) + " (through host '" + grant.getSpentByHost()
                    + "'); a link opens one session" + again);
        }
        if (!now.isBefore(Instant.ofEpochMilli(grant.getExpiresEpochMillis()))) {
            return new Refused("fleetnet: this console link for machine '" + grant.getMachine() + "' expired at "
                    + Instant.ofEpochMilli(grant.getExpiresEpochMillis()) + again);
        }
        return new Open(grant.getMachine());
    }

    /** {@code grant} as spent by {@code host} at {@code now}. */
    public static ConsoleGrant spent(ConsoleGrant grant, String host, Instant now) {
        return grant.toBuilder().setSpentByHost(host).setSpentEpochMillis(now.toEpochMilli()).build();
    }
}

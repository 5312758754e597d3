package dev.fleetnet.controller.store;

import java.time.Duration;

/**
 * How waiting for a host to apply a revision ended (see {@link StatusStore#awaitApplied}): it did,
 * or the wait gave up, because the host did not acknowledge in time or holds no session.
 * {@code hostRevision} is the last revision the host had acknowledged when the wait ended.
 */
public sealed interface ApplyWait {
    String host();

    long revision();

    long hostRevision();

    Duration waited();

    /** The host acknowledged {@code revision} or a later one. */
    record Applied(String host, long revision, long hostRevision, Duration waited) implements ApplyWait {}

    /** The host stayed connected but did not acknowledge {@code revision} within the wait. */
    record TimedOut(String host, long revision, long hostRevision, Duration waited) implements ApplyWait {}

    /** The host holds no control session (or is not in the fleet): it applies the revision when it reconnects. */
    record HostDisconnected(String host, long revision, long hostRevision, Duration waited) implements ApplyWait {}
}

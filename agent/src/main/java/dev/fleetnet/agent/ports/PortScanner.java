package dev.fleetnet.agent.ports;

import java.util.Set;

/** Finds the TCP ports one machine listens on; throws when the machine cannot be looked at now. */
public interface PortScanner {
    Set<Integer> listening(ScanTarget target) throws Exception;

    /** Forgets whatever is kept for machines not in {@code machines} (threads, sockets). */
    default void retain(Set<String> machines) {}
}

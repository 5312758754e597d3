package dev.fleetnet.agent.dns;

import java.util.List;
import java.util.Objects;

/**
 * Everything DNS answers from, as of one view revision (immutable): the machines of every
 * network, and the host this agent runs on (its machines come first in {@code topN.nearest.of}).
 */
public record DnsDirectory(long revision, String localHost, List<DnsMachine> machines) {

    public DnsDirectory {
        localHost = Objects.requireNonNullElse(localHost, "");
        machines = List.copyOf(machines);
    }

    /** A directory with no machines, answered before the first view arrives. */
    public static DnsDirectory empty() {
        return new DnsDirectory(0, "", List.of());
    }
}

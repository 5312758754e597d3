package dev.fleetnet.agent.ports;

import java.util.Set;

/**
 * A running machine whose listening ports the agent discovers: a netns machine by its
 * namespace ({@code netns} non-null), a TAP machine by a connect probe of its exposed ports
 * on its address.
 */
public record ScanTarget(String machine, String netns, String address, Set<Integer> exposedPorts) {
    public ScanTarget {
        exposedPorts = Set.copyOf(exposedPorts);
    }
}

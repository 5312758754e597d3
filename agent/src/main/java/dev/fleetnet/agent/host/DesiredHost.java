package dev.fleetnet.agent.host;

import dev.fleetnet.proto.v1.Backend;
import java.util.List;

/**
 * What this host's data plane must look like, as a value: the mesh interface with its
 * infrastructure address (absent until the host has a number), the service addresses kept on
 * loopback ({@code fdaa::3} for DNS, the same on every host, never routed over the mesh) and
 * every machine's link.
 */
public record DesiredHost(String meshInterface, String infraAddress, List<String> serviceAddresses, List<MachineLink> machines) {
    public DesiredHost {
        serviceAddresses = List.copyOf(serviceAddresses);
        machines = List.copyOf(machines);
    }

    /** One machine's plumbing on this host. */
    public record MachineLink(String name, String netns, String link, String address, Backend backend, boolean running) {}
}

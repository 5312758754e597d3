package dev.fleetnet.routing;

import java.util.Set;

/**
 * What ingress knows about one machine of the fleet: where it is, whether it runs, which
 * ports it exposes and the app it belongs to ({@code ""} for none).
 */
public record MachineEntry(String name, String address, boolean running, Set<Integer> ports, String app) {
    public MachineEntry {
        ports = Set.copyOf(ports);
        app = app == null ? "" : app;
    }

    public boolean exposes(int port) {
        return ports.contains(port);
    }
}

package dev.fleetnet.routing;

import java.util.Set;

/**
 * What ingress knows about one machine of the fleet: where it is, whether it runs, which
 * ports it exposes, the app it belongs to ({@code ""} for none) and the TCP ports its host
 * last saw it listen on (readiness: an app balances only over machines listening on the port).
 */
public record MachineEntry(String name, String address, boolean running, Set<Integer> ports, String app, Set<Integer> listening) {
    public MachineEntry {
        ports = Set.copyOf(ports);
        app = app == null ? "" : app;
        listening = Set.copyOf(listening);
    }

    public boolean exposes(int port) {
        return ports.contains(port);
    }

    public boolean listensOn(int port) {
        return listening.contains(port);
    }
}

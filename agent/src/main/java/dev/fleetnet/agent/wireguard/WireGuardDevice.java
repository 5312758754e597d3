package dev.fleetnet.agent.wireguard;

import java.io.IOException;
import java.util.List;

/** The host's mesh interface as WireGuard: make sure it exists, read its config, apply a change. */
public interface WireGuardDevice {
    /** The interface name. */
    String name();

    /** Creates the device if it does not exist; an existing one is kept as it is. Returns true if created. */
    boolean ensure() throws IOException;

    MeshConfig read() throws IOException;

    /** Applies UAPI {@code set} lines (from {@link MeshPlan}); nothing is sent for an empty list. */
    void apply(List<String> lines) throws IOException;
}

package dev.fleetnet.lab;

import java.nio.file.Path;

/**
 * How to build a lab: where it keeps its files, where the built jars are, its name prefix,
 * how many hosts, and whether to create the two demo machines per host.
 */
public record LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines) {
    /** The controller's agent-facing port on the underlay bridge. */
    static final int AGENT_PORT = 7401;

    public LabConfig {
        new LabLayout(prefix, hosts); // validates prefix and host count
    }
}

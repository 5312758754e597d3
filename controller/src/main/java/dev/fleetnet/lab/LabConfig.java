package dev.fleetnet.lab;

import java.nio.file.Path;

/**
 * How to build a lab: where it keeps its files, where the built jars are, its name prefix,
 * how many hosts, and whether to create the two demo machines per host.
 */
public record LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines, String ingressUpstreamTimeout) {
    /** The controller's agent-facing port on the underlay bridge. */
    static final int AGENT_PORT = 7401;
    /** Every host's HTTP ingress listens here, on all its addresses. */
    public static final int INGRESS_PORT = 80;
    /** Implicit ingress hostnames are {@code {machine}.fleet.internal} and the like. */
    public static final String INGRESS_SUFFIX = "fleet.internal";

    public LabConfig {
        new LabLayout(prefix, hosts); // validates prefix and host count
    }

    public LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines) {
        this(dir, home, prefix, hosts, demoMachines, "30s");
    }
}

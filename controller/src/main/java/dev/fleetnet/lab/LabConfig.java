package dev.fleetnet.lab;

import java.nio.file.Path;
import java.util.List;

/**
 * How to build a lab: where it keeps its files, where the built jars are, its name prefix,
 * how many hosts, whether to create the two demo machines per host, the resolvers the
 * hosts' DNS forwards other zones to ({@code [addr]:port}; none = other zones are refused), and
 * extra arguments appended to the controller's command line (e.g. its {@code --acme-*} flags).
 */
public record LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines, String ingressUpstreamTimeout,
        List<String> dnsUpstreams, List<String> controllerArgs) {
    /** The controller's agent-facing port on the underlay bridge. */
    static final int AGENT_PORT = 7401;
    /** Every host's HTTP ingress listens here, on all its addresses. */
    public static final int INGRESS_PORT = 80;
    /** Every host's HTTPS ingress (TLS by server name) listens here, on all its addresses. */
    public static final int INGRESS_TLS_PORT = 443;
    /** Each host's SSH ingress, on its underlay address: {@code ssh MACHINE@[host address]}. */
    public static final int SSH_PORT = 22;
    /** Implicit ingress hostnames are {@code {machine}.fleet.internal} and the like. */
    public static final String INGRESS_SUFFIX = "fleet.internal";

    public LabConfig {
        new LabLayout(prefix, hosts); // validates prefix and host count
        dnsUpstreams = List.copyOf(dnsUpstreams);
        controllerArgs = List.copyOf(controllerArgs);
        for (String upstream : dnsUpstreams) {
            dev.fleetnet.core.Endpoints.literal("DNS upstream", upstream);
        }
    }

    public LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines, String ingressUpstreamTimeout,
            List<String> dnsUpstreams) {
        this(dir, home, prefix, hosts, demoMachines, ingressUpstreamTimeout, dnsUpstreams, List.of());
    }

    public LabConfig(Path dir, Path home, String prefix, int hosts, boolean demoMachines) {
        this(dir, home, prefix, hosts, demoMachines, "30s", List.of());
    }
}

package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Rule.Verdict.ACCEPT;
import static dev.fleetnet.agent.policy.Rule.Verdict.DROP;

import dev.fleetnet.agent.policy.Match.ConnectionState;
import dev.fleetnet.agent.policy.Match.Destination;
import dev.fleetnet.agent.policy.Match.Icmpv6Type;
import dev.fleetnet.agent.policy.Match.InSet;
import dev.fleetnet.agent.policy.Match.InputInterface;
import dev.fleetnet.agent.policy.Match.OutputInterface;
import dev.fleetnet.agent.policy.Match.Ipv4;
import dev.fleetnet.agent.policy.Match.Key;
import dev.fleetnet.agent.policy.Match.Source;
import dev.fleetnet.agent.policy.Match.Transport;
import dev.fleetnet.core.AddressPlan;
import java.util.List;
import java.util.Set;

/**
 * fleetnet's static policy: three named sets whose elements follow the running machines, and three
 * chains whose rules change only with the mesh interface's name.
 */
public final class PolicyRules {
    /** The table, in family {@code inet}. */
    public static final String TABLE = "fleetnet";
    public static final String GUEST_SOURCES = "guest_sources";
    public static final String SAME_NETWORK = "same_network";
    public static final String EXPOSED = "exposed";
    public static final String SPOOF = "spoof";
    public static final String INPUT = "input";
    public static final String FORWARD = "forward";
    /** Every machine's host-side link (veth or tap) is named fm + 12 hex digits. */
    public static final String GUEST_LINKS = "fm*";

    private static final String INFRA = AddressPlan.networkPrefix(AddressPlan.INFRA_NETWORK);
    private static final int PRIORITY_RAW = -300;
    private static final int PRIORITY_FILTER = 0;

    /** The sets, in the order they are created. */
    public static final List<SetSpec> SETS = List.of(
            new SetSpec(GUEST_SOURCES, List.of("ifname", "ipv6_addr"), Set.of()),
            new SetSpec(SAME_NETWORK, List.of("ipv6_addr", "ipv6_addr"), Set.of("interval")),
            new SetSpec(EXPOSED, List.of("ipv6_addr", "inet_proto", "inet_service"), Set.of()));

    private PolicyRules() {}

    /** One base chain and its rules in order. */
    public record Chain(ChainSpec spec, List<Rule> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }

        public List<String> comments() {
            return rules.stream().map(Rule::comment).toList();
        }
    }

    /** The set declaration called {@code name}, if fleetnet has one. */
    public static SetSpec set(String name) {
        return SETS.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("set: '" + name + "' (expected: one of guest_sources, same_network, exposed)"));
    }

    /** The chains for a host whose mesh interface is {@code mesh}, in the order they are created. */
    public static List<Chain> chains(String mesh) {
        return List.of(spoof(), input(mesh), forward(mesh));
    }

    /** Prerouting at raw priority: a machine sends only from its own address on its own link, and never IPv4. */
    private static Chain spoof() {
        InputInterface guest = new InputInterface(GUEST_LINKS);
        return new Chain(ChainSpec.filter(SPOOF, "prerouting", PRIORITY_RAW), List.of(
                Rule.of("guest links: no IPv4", DROP, guest, new Ipv4()),
                Rule.of("guest links: unspecified source :: (duplicate address detection)", ACCEPT, guest, new Source("::")),
                Rule.of("guest links: link-local sources (neighbour discovery)", ACCEPT, guest, new Source("fe80::/10")),
                Rule.of("guest links: only a machine's own address on its own link", DROP, guest,
                        new InSet(List.of(Key.INPUT_INTERFACE, Key.SOURCE), GUEST_SOURCES, true))));
    }

    /** Input: a machine reaches of its host only the gateway and DNS; the mesh reaches it only from other hosts. */
    private static Chain input(String mesh) {
        InputInterface guest = new InputInterface(GUEST_LINKS);
        InputInterface fromMesh = new InputInterface(mesh);
        String m = "mesh " + mesh + ": ";
        return new Chain(ChainSpec.filter(INPUT, "input", PRIORITY_FILTER), List.of(
                Rule.of("guest links: replies to the host's own traffic", ACCEPT, guest, established()),
                Rule.of("guest links: neighbour discovery and router solicitation", ACCEPT, guest,
                        new Icmpv6Type(List.of("nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert"))),
                Rule.of("guest links: ICMPv6 errors and echo to the gateway " + AddressPlan.GATEWAY, ACCEPT, guest,
                        new Destination(AddressPlan.GATEWAY), new Icmpv6Type(List.of("destination-unreachable",
                                "packet-too-big", "time-exceeded", "parameter-problem", "echo-request"))),
                Rule.of("guest links: DNS (UDP and TCP 53) at " + AddressPlan.DNS_ADDRESS, ACCEPT, guest,
                        new Destination(AddressPlan.DNS_ADDRESS), new Transport(List.of("tcp", "udp"), 53)),
                Rule.of("guest links: nothing else of the host", DROP, guest),
                Rule.of(m + "replies to the host's own traffic", ACCEPT, fromMesh, established()),
                Rule.of(m + "other hosts (infrastructure network " + INFRA + ")", ACCEPT, fromMesh, new Source(INFRA)),
                Rule.of(m + "nothing else of the host", DROP, fromMesh)));
    }

    /** Forward: within a network only, plus other hosts (ingress) to the ports a machine exposes. */
    private static Chain forward(String mesh) {
        InputInterface guest = new InputInterface(GUEST_LINKS);
        InputInterface fromMesh = new InputInterface(mesh);
        Destination intoMesh = new Destination(AddressPlan.MESH_PREFIX);
        InSet sameNetwork = new InSet(List.of(Key.SOURCE, Key.DESTINATION), SAME_NETWORK, false);
        String m = "mesh " + mesh + ": ";
        return new Chain(ChainSpec.filter(FORWARD, "forward", PRIORITY_FILTER), List.of(
                Rule.of("replies and errors of accepted flows", ACCEPT, established()),
                Rule.of("guest links: within the same network", ACCEPT, guest, sameNetwork),
                Rule.of("guest links: nothing else (other networks, hosts, underlay, internet)", DROP, guest),
                Rule.of(m + "within the same network", ACCEPT, fromMesh, intoMesh, sameNetwork),
                Rule.of(m + "other hosts to exposed TCP ports", ACCEPT, fromMesh, intoMesh, new Source(INFRA),
                        new InSet(List.of(Key.DESTINATION, Key.L4_PROTOCOL, Key.DESTINATION_PORT), EXPOSED, false)),
                Rule.of(m + "nothing else into " + AddressPlan.MESH_PREFIX, DROP, fromMesh, intoMesh),
                Rule.of("guest links: nothing from anywhere else (e.g. the underlay)", DROP, new OutputInterface(GUEST_LINKS))));
    }

    private static ConnectionState established() {
        return new ConnectionState(List.of("established", "related"));
    }
}

package dev.fleetnet.agent.policy;

import dev.fleetnet.agent.host.MachineNames;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Ipv6;
import java.util.Set;

/** One running machine's host-side link: its name (fm…), its only address, its network number and the TCP ports it exposes. */
public record GuestLink(String link, String address, long network, Set<Integer> exposedTcpPorts) {

    public GuestLink {
        if (link == null || !MachineNames.isMachineLink(link)) {
            throw new IllegalArgumentException("link: '" + link + "' (expected: fm + 12 hex digits, e.g. fm0123456789ab)");
        }
        if (network < 1 || network > AddressPlan.MAX_NUMBER) {
            throw new IllegalArgumentException("network: " + network + " of " + link
                    + " (expected: 1.." + AddressPlan.MAX_NUMBER + "; network 0 is the infrastructure)");
        }
        if (address == null || !Ipv6.isValid(address)) {
            throw new IllegalArgumentException("address: '" + address + "' of " + link + " (expected: an IPv6 literal such as fdaa:0:1:0:1:0:1:0)");
        }
        address = Ipv6.canonical(address);
        if (!address.startsWith("fdaa:") || AddressPlan.parse(address).network() != network) {
            throw new IllegalArgumentException("address: " + address + " of " + link
                    + " (expected: inside network " + network + ", " + AddressPlan.networkPrefix(network) + ")");
        }
        if (exposedTcpPorts == null) {
            throw new IllegalArgumentException("exposedTcpPorts of " + link + ": null (expected: a set, possibly empty)");
        }
        for (Integer port : exposedTcpPorts) {
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException("exposed TCP port of " + link + ": " + port + " (expected: 1..65535)");
            }
        }
        exposedTcpPorts = Set.copyOf(exposedTcpPorts);
    }

    /** A guest that exposes no port. */
    public static GuestLink of(String link, String address, long network) {
        return new GuestLink(link, address, network, Set.of());
    }

    /** This guest with {@code ports} exposed instead of its current ones. */
    public GuestLink withExposedTcpPorts(Set<Integer> ports) {
        return new GuestLink(link, address, network, ports);
    }
}

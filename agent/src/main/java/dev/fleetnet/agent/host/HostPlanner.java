package dev.fleetnet.agent.host;

import dev.fleetnet.agent.dns.DnsDirectory;
import dev.fleetnet.agent.dns.DnsMachine;
import dev.fleetnet.agent.policy.DesiredPolicy;
import dev.fleetnet.agent.policy.GuestLink;
import dev.fleetnet.agent.wireguard.MeshConfig;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Ipv6;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Turns a host view into the desired host plumbing and WireGuard config. Pure. */
public final class HostPlanner {
    private final String meshInterface;
    private final String netnsPrefix;
    private final int listenPort;
    private final List<String> serviceAddresses;

    public HostPlanner(String meshInterface, String netnsPrefix, int listenPort) {
        this(meshInterface, netnsPrefix, listenPort, List.of());
    }

    /** {@code serviceAddresses}: kept on loopback, e.g. {@link AddressPlan#DNS_ADDRESS} when this host answers DNS. */
    public HostPlanner(String meshInterface, String netnsPrefix, int listenPort, List<String> serviceAddresses) {
        this.meshInterface = meshInterface;
        this.netnsPrefix = netnsPrefix;
        this.listenPort = listenPort;
        this.serviceAddresses = List.copyOf(serviceAddresses);
    }

    public String netnsPrefix() {
        return netnsPrefix;
    }

    public DesiredHost host(HostView view) {
        List<DesiredHost.MachineLink> machines = new ArrayList<>();
        for (MachineSpec m : view.getMachinesList()) {
            String address;
            try {
                address = Ipv6.canonical(m.getAddress());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("machine " + m.getName() + " address: " + e.getMessage(), e);
            }
            machines.add(new DesiredHost.MachineLink(m.getName(), netnsPrefix + m.getName(), MachineNames.link(m.getName()),
                    address, m.getBackend(), m.getRunning()));
        }
        String infra = view.getHostNumber() == 0 ? null : AddressPlan.infraAddress(view.getHostNumber());
        return new DesiredHost(meshInterface, infra, serviceAddresses, machines);
    }

    /**
     * What this host's packet filter enforces: every running machine's link with its address,
     * network and exposed ports. A machine whose network is unknown gets no entry, so its link
     * stays isolated (the filter drops everything from a machine link it does not know).
     */
    public DesiredPolicy policy(HostView view) {
        List<GuestLink> guests = new ArrayList<>();
        for (MachineSpec m : view.getMachinesList()) {
            if (m.getRunning() && m.getNetworkNumber() != 0) {
                guests.add(new GuestLink(MachineNames.link(m.getName()), m.getAddress(), Integer.toUnsignedLong(m.getNetworkNumber()),
                        new TreeSet<>(m.getPortsList())));
            }
        }
        return new DesiredPolicy(meshInterface, guests);
    }

    /** What the DNS on fdaa::3 answers from: every machine of the fleet, with its network and host. */
    public static DnsDirectory dns(HostView view) {
        List<DnsMachine> machines = new ArrayList<>();
        for (FleetMachine m : view.getDirectoryList()) {
            if (m.getNetworkNumber() != 0) {
                machines.add(new DnsMachine(m.getName(), m.getApp(), m.getAddress(), Integer.toUnsignedLong(m.getNetworkNumber()),
                        m.getHost(), m.getRunning()));
            }
        }
        return new DnsDirectory(view.getRevision(), view.getHostName(), machines);
    }

    public MeshConfig mesh(HostView view, WireGuardKey key) {
        Map<String, MeshConfig.Peer> peers = new HashMap<>();
        for (Peer p : view.getPeersList()) {
            try {
                peers.put(WireGuardKey.base64ToHex(p.getPublicKey()), new MeshConfig.Peer(p.getEndpoint(), new TreeSet<>(p.getAllowedIpsList())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("peer " + p.getHostName() + ": " + e.getMessage(), e);
            }
        }
        return new MeshConfig(key.privateHex(), listenPort, peers);
    }
}

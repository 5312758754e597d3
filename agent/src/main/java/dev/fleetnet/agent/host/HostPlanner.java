package dev.fleetnet.agent.host;

import dev.fleetnet.agent.wireguard.MeshConfig;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Ipv6;
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

    public HostPlanner(String meshInterface, String netnsPrefix, int listenPort) {
        this.meshInterface = meshInterface;
        this.netnsPrefix = netnsPrefix;
        this.listenPort = listenPort;
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
        return new DesiredHost(meshInterface, infra, machines);
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

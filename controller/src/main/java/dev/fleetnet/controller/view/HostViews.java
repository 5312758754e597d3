package dev.fleetnet.controller.view;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.Route;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * What one host must know, computed from the whole fleet: its peers (every other host not
 * revoked) and its machines, and for
 * its ingress every machine, route and pending ACME challenge, and the certificate of every name it
 * terminates TLS for ({@link TerminatedNames}).
 */
public final class HostViews {
    private HostViews() {}

    /** {@code suffix}: the fleet's ingress suffix ({@code fleet.internal}), whose names every ingress serves. */
    public static HostView compute(Fleet fleet, String hostName, String suffix) {
        Host self = fleet.hosts().get(hostName);
        HostView.Builder view = HostView.newBuilder().setRevision(fleet.revision()).setHostName(hostName)
                .setHostNumber(self == null ? 0 : self.getNumber());
        fleet.hosts().values().stream()
                .filter(h -> !h.getName().equals(hostName) && !h.getPublicKey().isEmpty() && !h.getEndpoint().isEmpty())
                .filter(h -> !fleet.revoked(h.getName())) // a revoked host is cut off: no host keeps it as a peer
                .sorted(Comparator.comparing(Host::getName))
                .forEach(h -> view.addPeers(peer(fleet, h)));
        fleet.machines().values().stream()
                .filter(m -> m.getHost().equals(hostName))
                .sorted(Comparator.comparing(Machine::getName))
                .forEach(m -> view.addMachines(spec(fleet, m)));
        fleet.machines().values().stream().sorted(Comparator.comparing(Machine::getName))
                .forEach(m -> view.addDirectory(directoryEntry(fleet, m)));
        fleet.routes().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> view.addRoutes(e.getValue()));
        // every host's ingress serves every route, so every host gets every challenge and the certificate (and key)
        // of every name it terminates TLS for; one for a name no HTTP route holds goes to no host
        TerminatedNames terminated = TerminatedNames.of(suffix, fleet.routes().values());
        fleet.certificates().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .filter(e -> terminated.serves(e.getValue().getHostname()))
                .forEach(e -> view.addCertificates(e.getValue()));
        fleet.acmeChallenges().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> view.addAcmeChallenges(e.getValue()));
        if (!fleet.ssh().equals(dev.fleetnet.proto.v1.SshTrust.getDefaultInstance())) {
            view.setSsh(fleet.ssh()); // every host's SSH ingress admits users to any machine of the fleet
        }
        return view.build();
    }

    /**
     * A host as a WireGuard peer: its infrastructure /80 and a /80 per network it hosts machines
     * of, in network-number order (infrastructure first).
     */
    static Peer peer(Fleet fleet, Host host) {
        TreeSet<Long> networks = new TreeSet<>();
        networks.add(AddressPlan.INFRA_NETWORK);
        for (Machine m : fleet.machines().values()) {
            Network network = fleet.networks().get(m.getNetwork());
            if (m.getHost().equals(host.getName()) && network != null) {
                networks.add(Integer.toUnsignedLong(network.getNumber()));
            }
        }
        return Peer.newBuilder().setHostName(host.getName()).setHostNumber(host.getNumber())
                .setPublicKey(host.getPublicKey()).setEndpoint(host.getEndpoint())
                .addAllAllowedIps(networks.stream().map(n -> AddressPlan.hostPrefix(n, Integer.toUnsignedLong(host.getNumber()))).toList())
                .build();
    }

    static FleetMachine directoryEntry(Fleet fleet, Machine m) {
        Network network = fleet.networks().get(m.getNetwork());
        boolean running = m.getDesiredState() != MachineState.MACHINE_STATE_STOPPED;
        return FleetMachine.newBuilder().setName(m.getName()).setHost(m.getHost()).setAddress(m.getAddress())
                .setRunning(running).addAllPorts(List.copyOf(new TreeSet<>(m.getPortsList()))).setApp(m.getApp())
                .setNetwork(m.getNetwork()).setNetworkNumber(network == null ? 0 : network.getNumber())
                .addAllListeningPorts(running ? fleet.listening().getOrDefault(m.getName(), List.of()) : List.of()).build();
    }

    static MachineSpec spec(Fleet fleet, Machine m) {
        Network network = fleet.networks().get(m.getNetwork());
        return MachineSpec.newBuilder().setName(m.getName()).setNetwork(m.getNetwork())
                .setNetworkNumber(network == null ? 0 : network.getNumber()).setMachineNumber(m.getNumber())
                .setAddress(m.getAddress()).setBackend(m.getBackend()).addAllPorts(List.copyOf(new TreeSet<>(m.getPortsList())))
                .setRunning(m.getDesiredState() != MachineState.MACHINE_STATE_STOPPED).setSsh(m.getSsh()).build();
    }
}

package dev.fleetnet.agent.control;

import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.ViewDelta;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/** Folds a {@link ViewDelta} into the whole {@link HostView} it applies to. Pure. */
public final class ViewFolder {
    private ViewFolder() {}

    public static HostView fold(HostView view, ViewDelta delta) {
        Map<String, Peer> peers = new TreeMap<>();
        view.getPeersList().forEach(p -> peers.put(p.getHostName(), p));
        delta.getRemovePeersList().forEach(peers::remove);
        delta.getUpsertPeersList().forEach(p -> peers.put(p.getHostName(), p));
        Map<String, MachineSpec> machines = new TreeMap<>();
        view.getMachinesList().forEach(m -> machines.put(m.getName(), m));
        delta.getRemoveMachinesList().forEach(machines::remove);
        delta.getUpsertMachinesList().forEach(m -> machines.put(m.getName(), m));
        return view.toBuilder().setRevision(delta.getRevision())
                .clearPeers().addAllPeers(peers.values())
                .clearMachines().addAllMachines(machines.values().stream().sorted(Comparator.comparing(MachineSpec::getName)).toList())
                .build();
    }
}

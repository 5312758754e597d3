package dev.fleetnet.controller.view;

import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.ViewDelta;
import dev.fleetnet.routing.IngressViews;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The delta that turns one host view into the next: changed peers and machines, removals by name. */
public final class ViewDiff {
    private ViewDiff() {}

    /** The delta from {@code before} to {@code after}, tagged with {@code after}'s revision. */
    public static ViewDelta between(HostView before, HostView after) {
        ViewDelta.Builder delta = ViewDelta.newBuilder().setRevision(after.getRevision());
        Map<String, Peer> oldPeers = before.getPeersList().stream().collect(Collectors.toMap(Peer::getHostName, Function.identity()));
        Map<String, Peer> newPeers = after.getPeersList().stream().collect(Collectors.toMap(Peer::getHostName, Function.identity()));
        newPeers.forEach((name, peer) -> {
            if (!peer.equals(oldPeers.get(name))) {
                delta.addUpsertPeers(peer);
            }
        });
        oldPeers.keySet().stream().filter(name -> !newPeers.containsKey(name)).sorted().forEach(delta::addRemovePeers);
        Map<String, MachineSpec> oldMachines = before.getMachinesList().stream()
                .collect(Collectors.toMap(MachineSpec::getName, Function.identity()));
        Map<String, MachineSpec> newMachines = after.getMachinesList().stream()
                .collect(Collectors.toMap(MachineSpec::getName, Function.identity()));
        newMachines.forEach((name, machine) -> {
            if (!machine.equals(oldMachines.get(name))) {
                delta.addUpsertMachines(machine);
            }
        });
        oldMachines.keySet().stream().filter(name -> !newMachines.containsKey(name)).sorted().forEach(delta::addRemoveMachines);
        Map<String, FleetMachine> oldDirectory = before.getDirectoryList().stream()
                .collect(Collectors.toMap(FleetMachine::getName, Function.identity()));
        Map<String, FleetMachine> newDirectory = after.getDirectoryList().stream()
                .collect(Collectors.toMap(FleetMachine::getName, Function.identity()));
        newDirectory.forEach((name, m) -> {
            if (!m.equals(oldDirectory.get(name))) {
                delta.addUpsertDirectory(m);
            }
        });
        oldDirectory.keySet().stream().filter(name -> !newDirectory.containsKey(name)).sorted().forEach(delta::addRemoveDirectory);
        Map<String, Route> oldRoutes = before.getRoutesList().stream().collect(Collectors.toMap(IngressViews::key, Function.identity()));
        Map<String, Route> newRoutes = after.getRoutesList().stream().collect(Collectors.toMap(IngressViews::key, Function.identity()));
        newRoutes.forEach((key, r) -> {
            if (!r.equals(oldRoutes.get(key))) {
                delta.addUpsertRoutes(r);
            }
        });
        oldRoutes.keySet().stream().filter(key -> !newRoutes.containsKey(key)).sorted().forEach(delta::addRemoveRoutes);
        return delta.build();
    }

    /** True if the two views differ in anything but their revision. */
    public static boolean changed(HostView before, HostView after) {
        return !before.toBuilder().setRevision(0).build().equals(after.toBuilder().setRevision(0).build());
    }

    public static boolean isEmpty(ViewDelta delta) {
        return delta.getUpsertPeersCount() == 0 && delta.getRemovePeersCount() == 0
                && delta.getUpsertMachinesCount() == 0 && delta.getRemoveMachinesCount() == 0
                && delta.getUpsertDirectoryCount() == 0 && delta.getRemoveDirectoryCount() == 0
                && delta.getUpsertRoutesCount() == 0 && delta.getRemoveRoutesCount() == 0;
    }
}

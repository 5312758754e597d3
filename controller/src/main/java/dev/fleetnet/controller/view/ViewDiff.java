package dev.fleetnet.controller.view;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.ViewDelta;
import dev.fleetnet.routing.CertificateKeys;
import dev.fleetnet.routing.IngressViews;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The delta that turns one host view into the next: changed peers, machines, routes,
 * certificates and ACME challenges; removals by key; the SSH trust whole when it changed.
 */
public final class ViewDiff {
    private ViewDiff() {}

    /** The delta from {@code before} to {@code after}, tagged with {@code after}'s revision. */
    public static ViewDelta between(HostView before, HostView after) {
        ViewDelta.Builder delta = ViewDelta.newBuilder().setRevision(after.getRevision());
        diff(before.getPeersList(), after.getPeersList(), Peer::getHostName, delta::addUpsertPeers, delta::addRemovePeers);
        diff(before.getMachinesList(), after.getMachinesList(), MachineSpec::getName, delta::addUpsertMachines, delta::addRemoveMachines);
        diff(before.getDirectoryList(), after.getDirectoryList(), FleetMachine::getName, delta::addUpsertDirectory,
                delta::addRemoveDirectory);
        diff(before.getRoutesList(), after.getRoutesList(), IngressViews::key, delta::addUpsertRoutes, delta::addRemoveRoutes);
        diff(before.getCertificatesList(), after.getCertificatesList(), CertificateKeys::key, delta::addUpsertCertificates,
                delta::addRemoveCertificates);
        diff(before.getAcmeChallengesList(), after.getAcmeChallengesList(), AcmeChallenge::getToken, delta::addUpsertAcmeChallenges,
                delta::addRemoveAcmeChallenges);
        if (!before.getSsh().equals(after.getSsh())) {
            delta.setSsh(after.getSsh());
        }
        return delta.build();
    }

    /** Items of {@code after} that are new or changed go to {@code upsert}; keys gone from it go to {@code remove}. */
    private static <T> void diff(List<T> before, List<T> after, Function<T, String> key, Consumer<T> upsert, Consumer<String> remove) {
        Map<String, T> old = before.stream().collect(Collectors.toMap(key, Function.identity()));
        Map<String, T> now = after.stream().collect(Collectors.toMap(key, Function.identity()));
        now.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (!e.getValue().equals(old.get(e.getKey()))) {
                upsert.accept(e.getValue());
            }
        });
        old.keySet().stream().filter(k -> !now.containsKey(k)).sorted().forEach(remove);
    }

    /** True if the two views differ in anything but their revision. */
    public static boolean changed(HostView before, HostView after) {
        return !before.toBuilder().setRevision(0).build().equals(after.toBuilder().setRevision(0).build());
    }

    public static boolean isEmpty(ViewDelta delta) {
        return delta.getUpsertPeersCount() == 0 && delta.getRemovePeersCount() == 0
                && delta.getUpsertMachinesCount() == 0 && delta.getRemoveMachinesCount() == 0
                && delta.getUpsertDirectoryCount() == 0 && delta.getRemoveDirectoryCount() == 0
                && delta.getUpsertRoutesCount() == 0 && delta.getRemoveRoutesCount() == 0
                && delta.getUpsertCertificatesCount() == 0 && delta.getRemoveCertificatesCount() == 0
                && delta.getUpsertAcmeChallengesCount() == 0 && delta.getRemoveAcmeChallengesCount() == 0
                && !delta.hasSsh();
    }
}

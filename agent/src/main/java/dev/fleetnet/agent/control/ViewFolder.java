package dev.fleetnet.agent.control;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.ViewDelta;
import dev.fleetnet.routing.CertificateKeys;
import dev.fleetnet.routing.IngressViews;
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
        Map<String, FleetMachine> directory = new TreeMap<>();
        view.getDirectoryList().forEach(m -> directory.put(m.getName(), m));
        delta.getRemoveDirectoryList().forEach(directory::remove);
        delta.getUpsertDirectoryList().forEach(m -> directory.put(m.getName(), m));
        Map<String, Route> routes = new TreeMap<>();
        view.getRoutesList().forEach(r -> routes.put(IngressViews.key(r), r));
        delta.getRemoveRoutesList().forEach(routes::remove);
        delta.getUpsertRoutesList().forEach(r -> routes.put(IngressViews.key(r), r));
        Map<String, Certificate> certificates = new TreeMap<>();
        view.getCertificatesList().forEach(c -> certificates.put(certificateKey(c), c));
        delta.getRemoveCertificatesList().forEach(certificates::remove);
        delta.getUpsertCertificatesList().forEach(c -> certificates.put(certificateKey(c), c));
        Map<String, AcmeChallenge> challenges = new TreeMap<>();
        view.getAcmeChallengesList().forEach(c -> challenges.put(c.getToken(), c));
        delta.getRemoveAcmeChallengesList().forEach(challenges::remove);
        delta.getUpsertAcmeChallengesList().forEach(c -> challenges.put(c.getToken(), c));
        HostView.Builder folded = view.toBuilder();
        if (delta.hasSsh()) {
            folded.setSsh(delta.getSsh()); // carried whole when it changed
        }
        return folded.setRevision(delta.getRevision())
                .clearCertificates().addAllCertificates(certificates.values())
                .clearAcmeChallenges().addAllAcmeChallenges(challenges.values())
                .clearDirectory().addAllDirectory(directory.values())
                .clearRoutes().addAllRoutes(routes.values())
                .clearPeers().addAllPeers(peers.values())
                .clearMachines().addAllMachines(machines.values().stream().sorted(Comparator.comparing(MachineSpec::getName)).toList())
                .build();
    }

    /** Its etcd key; a certificate of an unknown source keeps a key of its own instead of failing the fold. */
    private static String certificateKey(Certificate c) {
        try {
            return CertificateKeys.key(c);
        } catch (IllegalArgumentException unknownSource) {
            return c.getSourceValue() + "/" + c.getHostname();
        }
    }
}

package dev.fleetnet.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.proto.v1.ViewDelta;
import org.junit.jupiter.api.Test;

class ViewFolderTest {
    private static Peer peer(String name, String endpoint) {
        return Peer.newBuilder().setHostName(name).setEndpoint(endpoint).build();
    }

    private static MachineSpec machine(String name, boolean running) {
        return MachineSpec.newBuilder().setName(name).setRunning(running).build();
    }

    @Test
    void foldsUpsertsAndRemovalsIntoTheWholeView() {
        HostView view = HostView.newBuilder().setRevision(5).setHostName("h1").setHostNumber(1)
                .addPeers(peer("h2", "[fd01::2]:1")).addPeers(peer("h3", "[fd01::3]:1"))
                .addMachines(machine("a", true)).addMachines(machine("b", true)).build();
        ViewDelta delta = ViewDelta.newBuilder().setRevision(9)
                .addUpsertPeers(peer("h2", "[fd01::22]:1")).addRemovePeers("h3").addUpsertPeers(peer("h4", "[fd01::4]:1"))
                .addUpsertMachines(machine("b", false)).addRemoveMachines("a").addUpsertMachines(machine("c", true)).build();
        HostView folded = ViewFolder.fold(view, delta);
        assertThat(folded.getRevision()).isEqualTo(9);
        assertThat(folded.getHostName()).isEqualTo("h1");
        assertThat(folded.getPeersList()).containsExactly(peer("h2", "[fd01::22]:1"), peer("h4", "[fd01::4]:1"));
        assertThat(folded.getMachinesList()).containsExactly(machine("b", false), machine("c", true));
    }

    @Test
    void theSshTrustIsReplacedWholeWhenADeltaCarriesIt() {
        SshTrust one = SshTrust.newBuilder().setCaPublicKey("ca").addKeys(SshUserKey.newBuilder().setName("alice")).build();
        HostView view = HostView.newBuilder().setRevision(5).setSsh(one).build();
        assertThat(ViewFolder.fold(view, ViewDelta.newBuilder().setRevision(6).build()).getSsh()).isEqualTo(one);
        SshTrust two = one.toBuilder().clearKeys().build();
        assertThat(ViewFolder.fold(view, ViewDelta.newBuilder().setRevision(6).setSsh(two).build()).getSsh()).isEqualTo(two);
    }

    @Test
    void anEmptyDeltaOnlyMovesTheRevision() {
        HostView view = HostView.newBuilder().setRevision(5).addMachines(machine("a", true)).build();
        assertThat(ViewFolder.fold(view, ViewDelta.newBuilder().setRevision(6).build()))
                .isEqualTo(view.toBuilder().setRevision(6).build());
    }

    private static Certificate cert(String hostname, CertificateSource source, String pem) {
        return Certificate.newBuilder().setHostname(hostname).setSource(source).setCertificateChainPem(pem).build();
    }

    private static AcmeChallenge challenge(String token) {
        return AcmeChallenge.newBuilder().setToken(token).setKeyAuthorization(token + ".k").setHostname("a.test").build();
    }

    @Test
    void foldsCertificatesByKeyAndChallengesByToken() {
        HostView view = HostView.newBuilder().setRevision(5)
                .addCertificates(cert("a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, "fleet-1"))
                .addCertificates(cert("b.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, "fleet-b"))
                .addAcmeChallenges(challenge("t1")).addAcmeChallenges(challenge("t2")).build();
        ViewDelta delta = ViewDelta.newBuilder().setRevision(6)
                .addUpsertCertificates(cert("a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "uploaded"))
                .addUpsertCertificates(cert("a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, "fleet-2"))
                .addRemoveCertificates("fleet/b.test")
                .addRemoveAcmeChallenges("t1").addUpsertAcmeChallenges(challenge("t3")).build();
        HostView folded = ViewFolder.fold(view, delta);
        assertThat(folded.getCertificatesList()).containsExactly(
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, "fleet-2"),
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "uploaded"));
        assertThat(folded.getAcmeChallengesList()).containsExactly(challenge("t2"), challenge("t3"));
    }
}

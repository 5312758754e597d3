package dev.fleetnet.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.proto.v1.ViewDelta;
import dev.fleetnet.routing.CertificateKeys;
import org.junit.jupiter.api.Test;

class HostViewsTest {
    private static final String SUFFIX = "fleet.internal";
    private static final Network DEFAULT = Network.newBuilder().setName("default").setNumber(1).build();
    private static final Network BLUE = Network.newBuilder().setName("blue").setNumber(2).build();

    private static Host host(String name, int number, String key) {
        return Host.newBuilder().setName(name).setNumber(number).setPublicKey(key).setEndpoint("[fd01::" + number + "]:51820").build();
    }

    private static Machine machine(String name, String host, String network, boolean running) {
        return Machine.newBuilder().setName(name).setHost(host).setNetwork(network).setAddress("fdaa::" + name.length())
                .setDesiredState(running ? MachineState.MACHINE_STATE_RUNNING : MachineState.MACHINE_STATE_STOPPED).build();
    }

    private static Fleet fleet() {
        return Fleet.EMPTY.atRevision(10).withNetwork(DEFAULT).withNetwork(BLUE)
                .withHost(host("h1", 1, "k1")).withHost(host("h2", 2, "k2")).withHost(host("h3", 3, ""))
                .withMachine(machine("a", "h1", "default", true))
                .withMachine(machine("b", "h2", "default", true))
                .withMachine(machine("c", "h2", "blue", false));
    }

    @Test
    void peersAreTheOtherHostsWithKeysCarryingTheirSlash80s() {
        HostView view = HostViews.compute(fleet(), "h1", SUFFIX);
        assertThat(view.getRevision()).isEqualTo(10);
        assertThat(view.getHostNumber()).isEqualTo(1);
        assertThat(view.getPeersList()).extracting(Peer::getHostName).containsExactly("h2");
        assertThat(view.getPeers(0).getAllowedIpsList()).containsExactly("fdaa::2:0:0:0/80", "fdaa:0:1:0:2::/80", "fdaa:0:2:0:2::/80");
        assertThat(view.getMachinesList()).extracting(m -> m.getName()).containsExactly("a");
    }

    @Test
    void aRevokedHostIsNoOnesPeerAndTheDeltaRemovesIt() {
        HostIdentity h2 = HostIdentity.newBuilder().setHost("h2").setKeySha256("ab".repeat(32)).build();
        Fleet before = fleet().withIdentity(h2);
        assertThat(HostViews.compute(before, "h1", SUFFIX).getPeersList()).extracting(Peer::getHostName).containsExactly("h2");
        Fleet after = before.atRevision(11).withIdentity(h2.toBuilder().setRevokedEpochSeconds(1_800_000_000L).build());
        assertThat(after.revoked("h2")).isTrue();
        assertThat(HostViews.compute(after, "h1", SUFFIX).getPeersList()).isEmpty();
        assertThat(ViewDiff.between(HostViews.compute(before, "h1", SUFFIX), HostViews.compute(after, "h1", SUFFIX)).getRemovePeersList())
                .containsExactly("h2");
    }

    @Test
    void everyHostGetsTheSshTrustAndDeltasCarryItWholeWhenItChanges() {
        SshUserKey alice = SshUserKey.newBuilder().setName("alice").setPublicKey("ssh-ed25519 AAAA").setTarget("a").build();
        Fleet before = fleet().withSshCa("ssh-ed25519 CA").withSshKey(alice.toBuilder().setName("zed").build()).withSshKey(alice);
        assertThat(HostViews.compute(before, "h1", SUFFIX).getSsh()).isEqualTo(HostViews.compute(before, "h2", SUFFIX).getSsh());
        assertThat(HostViews.compute(before, "h1", SUFFIX).getSsh().getKeysList()).extracting(SshUserKey::getName).containsExactly("alice", "zed");
        assertThat(HostViews.compute(before, "h1", SUFFIX).getSsh().getCaPublicKey()).isEqualTo("ssh-ed25519 CA");
        Fleet after = before.atRevision(11).withoutSshKey("zed");
        ViewDelta delta = ViewDiff.between(HostViews.compute(before, "h1", SUFFIX), HostViews.compute(after, "h1", SUFFIX));
        assertThat(delta.getSsh().getKeysList()).containsExactly(alice);
        assertThat(ViewDiff.isEmpty(delta)).isFalse();
        assertThat(ViewDiff.between(HostViews.compute(after, "h1", SUFFIX), HostViews.compute(after.atRevision(12), "h1", SUFFIX)).hasSsh()).isFalse();
    }

    @Test
    void machinesOfTheHostCarryDesiredRunningState() {
        HostView view = HostViews.compute(fleet(), "h2", SUFFIX);
        assertThat(view.getMachinesList()).extracting(m -> m.getName() + "=" + m.getRunning() + "@" + m.getNetworkNumber())
                .containsExactly("b=true@1", "c=false@2");
    }

    @Test
    void deltasCarryOnlyWhatChanged() {
        Fleet before = fleet();
        Fleet after = before.atRevision(11).withHost(host("h2", 2, "k2").toBuilder().setEndpoint("[fd01::99]:51820").build())
                .withoutMachine("a").withMachine(machine("d", "h1", "default", true));
        HostView v1 = HostViews.compute(before, "h1", SUFFIX);
        HostView v2 = HostViews.compute(after, "h1", SUFFIX);
        ViewDelta delta = ViewDiff.between(v1, v2);
        assertThat(delta.getRevision()).isEqualTo(11);
        assertThat(delta.getUpsertPeersList()).extracting(Peer::getEndpoint).containsExactly("[fd01::99]:51820");
        assertThat(delta.getRemoveMachinesList()).containsExactly("a");
        assertThat(delta.getUpsertMachinesList()).extracting(m -> m.getName()).containsExactly("d");
        assertThat(ViewDiff.changed(v1, v1.toBuilder().setRevision(99).build())).isFalse();
        assertThat(ViewDiff.isEmpty(ViewDiff.between(v1, v1))).isTrue();
    }

    @Test
    void theDirectoryCarriesNetworksAndListeningPortsOfRunningMachinesOnly() {
        Fleet fleet = fleet().withListening("b", java.util.List.of(22, 8080)).withListening("c", java.util.List.of(80));
        HostView view = HostViews.compute(fleet, "h1", SUFFIX);
        assertThat(view.getDirectoryList()).extracting(m -> m.getName() + "@" + m.getNetwork() + "/" + m.getNetworkNumber()
                + "@" + m.getHost() + "=" + m.getListeningPortsList()).containsExactly(
                "a@default/1@h1=[]", "b@default/1@h2=[22, 8080]", "c@blue/2@h2=[]");
        HostView later = HostViews.compute(fleet.withListening("b", java.util.List.of()).atRevision(11), "h1", SUFFIX);
        assertThat(ViewDiff.between(view, later).getUpsertDirectoryList()).extracting(m -> m.getName() + "=" + m.getListeningPortsList())
                .containsExactly("b=[]");
    }

    @Test
    void aHostThatLeavesIsRemovedFromPeers() {
        HostView v1 = HostViews.compute(fleet(), "h1", SUFFIX);
        HostView v2 = HostViews.compute(fleet().withoutHost("h2").atRevision(12), "h1", SUFFIX);
        assertThat(ViewDiff.between(v1, v2).getRemovePeersList()).containsExactly("h2");
    }

    private static Certificate cert(CertificateSource source, String hostname, String fingerprint) {
        return Certificate.newBuilder().setHostname(hostname).setSource(source).setCertificateChainPem("chain-" + fingerprint)
                .setPrivateKeyPem("key-" + fingerprint)
                .setInfo(CertificateInfo.newBuilder().setHostname(hostname).setSource(source).setSha256Fingerprint(fingerprint)).build();
    }

    private static Fleet withCert(Fleet fleet, Certificate certificate) {
        return fleet.withCertificate(CertificateKeys.key(certificate), certificate);
    }

    private static AcmeChallenge challenge(String token, String hostname) {
        return AcmeChallenge.newBuilder().setToken(token).setKeyAuthorization(token + ".thumb").setHostname(hostname).build();
    }

    private static Route route(String hostname, RouteProtocol protocol) {
        return Route.newBuilder().setHostname(hostname).setPathPrefix("/").setMachine("a").setPort(8080).setProtocol(protocol).build();
    }

    private static Fleet withRoute(Fleet fleet, String hostname, RouteProtocol protocol) {
        return fleet.withRoute(hostname + "/", route(hostname, protocol));
    }

    @Test
    void everyHostGetsEveryChallengeAndTheCertificateOfEveryNameItsIngressTerminates() {
        Fleet fleet = withRoute(withRoute(withRoute(fleet(), "shop.example.com", RouteProtocol.ROUTE_PROTOCOL_HTTP),
                "tls.example.com", RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH), "*.apps.example.com", RouteProtocol.ROUTE_PROTOCOL_UNSPECIFIED);
        for (Certificate c : java.util.List.of(
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "shop.example.com", "u1"),
                cert(CertificateSource.CERTIFICATE_SOURCE_FLEET, "shop.example.com", "f1"),
                cert(CertificateSource.CERTIFICATE_SOURCE_FLEET, "*.fleet.internal", "w1"),
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "web.fleet.internal", "u2"),
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "x.apps.example.com", "u3"),
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "*.example.com", "u4"),
                cert(CertificateSource.CERTIFICATE_SOURCE_ACME, "api.example.com", "a1"),     // no route holds it
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "tls.example.com", "u5"), // passthrough: the machine's TLS
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "*.other.test", "u6"),
                cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "*.a.apps.example.com", "u7"))) { // two labels under the route
            fleet = withCert(fleet, c);
        }
        fleet = fleet.withAcmeChallenge(challenge("tok-2", "api.example.com")).withAcmeChallenge(challenge("tok-1", "www.example.com"));
        for (String host : java.util.List.of("h1", "h2", "h3")) {
            HostView view = HostViews.compute(fleet, host, SUFFIX);
            assertThat(view.getCertificatesList()).extracting(CertificateKeys::key).containsExactly("fleet/*.fleet.internal",
                    "fleet/shop.example.com", "uploaded/*.example.com", "uploaded/shop.example.com", "uploaded/web.fleet.internal",
                    "uploaded/x.apps.example.com");
            assertThat(view.toString()).doesNotContain("key-a1", "key-u5", "key-u6", "key-u7");
            assertThat(view.getAcmeChallengesList()).extracting(AcmeChallenge::getToken).containsExactly("tok-1", "tok-2");
        }
    }

    @Test
    void aCertificateJoinsTheViewsWithItsFirstHttpRouteAndLeavesWithItsLast() {
        Fleet before = withCert(fleet(), cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "api.example.com", "u1"));
        assertThat(HostViews.compute(before, "h1", SUFFIX).getCertificatesList()).isEmpty();
        Fleet routed = withRoute(before, "api.example.com", RouteProtocol.ROUTE_PROTOCOL_HTTP).atRevision(11);
        ViewDelta added = ViewDiff.between(HostViews.compute(before, "h1", SUFFIX), HostViews.compute(routed, "h1", SUFFIX));
        assertThat(added.getUpsertCertificatesList()).extracting(CertificateKeys::key).containsExactly("uploaded/api.example.com");
        Fleet unrouted = routed.withoutRoute("api.example.com/").atRevision(12);
        ViewDelta removed = ViewDiff.between(HostViews.compute(routed, "h1", SUFFIX), HostViews.compute(unrouted, "h1", SUFFIX));
        assertThat(removed.getRemoveCertificatesList()).containsExactly("uploaded/api.example.com");
    }

    @Test
    void certificateAndChallengeDeltasUpsertChangesAndRemoveByKey() {
        Certificate fleetCert = cert(CertificateSource.CERTIFICATE_SOURCE_FLEET, "shop.example.com", "f1");
        Certificate wildcard = cert(CertificateSource.CERTIFICATE_SOURCE_FLEET, "*.fleet.internal", "w1");
        Fleet before = withCert(withCert(withRoute(fleet(), "shop.example.com", RouteProtocol.ROUTE_PROTOCOL_HTTP), fleetCert), wildcard)
                .withAcmeChallenge(challenge("tok-1", "a.example.com"));
        Certificate upload = cert(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, "shop.example.com", "u1");
        Certificate renewed = cert(CertificateSource.CERTIFICATE_SOURCE_FLEET, "*.fleet.internal", "w2");
        Fleet after = withCert(withCert(before, upload), renewed).withoutCertificate(CertificateKeys.key(fleetCert))
                .withoutAcmeChallenge("tok-1").withAcmeChallenge(challenge("tok-2", "b.example.com")).atRevision(11);
        HostView v1 = HostViews.compute(before, "h1", SUFFIX);
        HostView v2 = HostViews.compute(after, "h1", SUFFIX);
        ViewDelta delta = ViewDiff.between(v1, v2);
        assertThat(delta.getUpsertCertificatesList()).extracting(c -> CertificateKeys.key(c) + "=" + c.getInfo().getSha256Fingerprint())
                .containsExactly("fleet/*.fleet.internal=w2", "uploaded/shop.example.com=u1");
        assertThat(delta.getRemoveCertificatesList()).containsExactly("fleet/shop.example.com");
        assertThat(delta.getUpsertAcmeChallengesList()).extracting(AcmeChallenge::getToken).containsExactly("tok-2");
        assertThat(delta.getRemoveAcmeChallengesList()).containsExactly("tok-1");
        assertThat(ViewDiff.isEmpty(delta)).isFalse();
        assertThat(ViewDiff.changed(v1, v2)).isTrue();
        HostView challengeOnly = HostViews.compute(before.withoutAcmeChallenge("tok-1").atRevision(12), "h1", SUFFIX);
        assertThat(ViewDiff.isEmpty(ViewDiff.between(v1, challengeOnly))).as("a removed challenge alone is a change").isFalse();
        assertThat(ViewDiff.isEmpty(ViewDiff.between(v2, v2))).isTrue();
    }
}

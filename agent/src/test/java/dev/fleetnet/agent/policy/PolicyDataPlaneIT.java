package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.PolicyLab.HOST_ADDRESS;
import static dev.fleetnet.agent.policy.PolicyLab.PEER_ADDRESS;
import static dev.fleetnet.agent.policy.PolicyLab.PEER_NETWORK_1;
import static dev.fleetnet.agent.policy.PolicyLab.PEER_NETWORK_2;
import static dev.fleetnet.agent.policy.PolicyLab.ping;
import static dev.fleetnet.agent.policy.PolicyLab.tcp;
import static dev.fleetnet.agent.policy.PolicyLab.udp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.core.AddressPlan;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real packets through the policy applied by {@link NftPacketFilter} on a host built from
 * namespaces: A and B in network 1, C in network 2, a peer host behind the mesh interface. Every
 * refusal is checked at the receiver (its listener, or its echo counter), after a control message
 * showed the receiver was listening, and each refused path is first shown open without the policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyDataPlaneIT {
    private static final DesiredPolicy POLICY = Fixtures.policy(A, B, C);
    private PolicyLab lab;
    private String a;
    private String b;
    private String c;
    private PolicyReconciler reconciler;

    @BeforeAll
    void build() throws IOException {
        lab = new PolicyLab();
        a = lab.machine("a", A);
        b = lab.machine("b", B);
        c = lab.machine("c", C);
        try (Listener atC = lab.listen(c, "udp", "::", 7000); Listener atA = lab.listen(a, "udp", "::", 7000);
                Listener atB = lab.listen(b, "udp", "::", 7000); Listener atHost = lab.listen(lab.host, "tcp", "::", 7000)) {
            // Without the policy every path refused below is open: the refusals are the policy's doing.
            assertArrives(atC, "open a->c", udp(a, A.address(), C.address(), 7000, "open a->c"));
            assertArrives(atA, "open c->a", udp(c, C.address(), A.address(), 7000, "open c->a"));
            assertArrives(atA, "open peer network 2->a", udp(lab.peer, PEER_NETWORK_2, A.address(), 7000, "open peer network 2->a"));
            assertArrives(atHost, "open a->host", tcp(a, A.address(), HOST_ADDRESS, 7000, "open a->host"));
            assertArrives(atB, "open peer->b", udp(lab.peer, PEER_ADDRESS, B.address(), 7000, "open peer->b"));
        }
        reconciler = new PolicyReconciler(new NftPacketFilter(lab.host));
        assertThat(reconciler.reconcile(POLICY)).isNotEmpty();
    }

    @AfterAll
    void cleanup() {
        if (lab != null) {
            lab.close();
        }
    }

    private static void assertArrives(Listener listener, String payload, boolean sent) {
        assertThat(sent).as("sender of '%s'", payload).isTrue();
        assertThat(listener.awaitReceived(payload)).as("'%s' at %s; received %s", payload, listener, listener.lines()).isTrue();
    }

    private static void assertRefused(Listener listener, String payload, boolean sent, boolean tcp) {
        if (tcp) {
            assertThat(sent).as("TCP connect for '%s'", payload).isFalse();
        }
        assertThat(listener.receivedAfterControl()).as("%s must not have received '%s'", listener, payload).doesNotContain(payload);
    }

    @Test
    void machinesOfOneNetworkReachEachOther() throws IOException {
        try (Listener tcpB = lab.listen(b, "tcp", "::", 7101); Listener udpB = lab.listen(b, "udp", "::", 7102);
                Listener tcpA = lab.listen(a, "tcp", "::", 7101); Listener udpA = lab.listen(a, "udp", "::", 7102)) {
            assertThat(ping(a, A.address(), B.address())).as("ping a->b").isTrue();
            assertThat(ping(b, B.address(), A.address())).as("ping b->a").isTrue();
            assertArrives(tcpB, "tcp a->b", tcp(a, A.address(), B.address(), 7101, "tcp a->b"));
            assertArrives(udpB, "udp a->b", udp(a, A.address(), B.address(), 7102, "udp a->b"));
            assertArrives(tcpA, "tcp b->a", tcp(b, B.address(), A.address(), 7101, "tcp b->a"));
            assertArrives(udpA, "udp b->a", udp(b, B.address(), A.address(), 7102, "udp b->a"));
        }
    }

    @Test
    void differentNetworksExchangeNothingInEitherDirection() throws IOException {
        try (Listener tcpC = lab.listen(c, "tcp", "::", 7201); Listener udpC = lab.listen(c, "udp", "::", 7202);
                Listener tcpA = lab.listen(a, "tcp", "::", 7201); Listener udpA = lab.listen(a, "udp", "::", 7202)) {
            for (String[] from : List.of(new String[] {a, A.address(), "a"}, new String[] {b, B.address(), "b"})) {
                assertRefused(tcpC, "tcp " + from[2] + "->c", tcp(from[0], from[1], C.address(), 7201, "tcp " + from[2] + "->c"), true);
                assertRefused(udpC, "udp " + from[2] + "->c", udp(from[0], from[1], C.address(), 7202, "udp " + from[2] + "->c"), false);
            }
            assertRefused(tcpA, "tcp c->a", tcp(c, C.address(), A.address(), 7201, "tcp c->a"), true);
            assertRefused(udpA, "udp c->a", udp(c, C.address(), A.address(), 7202, "udp c->a"), false);

            long echoesAtC = PolicyLab.echoRequestsReceived(c);
            long echoesAtA = PolicyLab.echoRequestsReceived(a);
            assertThat(ping(a, A.address(), C.address())).as("ping a->c").isFalse();
            assertThat(ping(c, C.address(), A.address())).as("ping c->a").isFalse();
            assertThat(PolicyLab.echoRequestsReceived(c)).as("echo requests that reached c").isEqualTo(echoesAtC);
            assertThat(PolicyLab.echoRequestsReceived(a)).as("echo requests that reached a").isEqualTo(echoesAtA);
        }
    }

    @Test
    void aMachineSendsOnlyFromItsOwnAddress() throws IOException {
        String forged = AddressPlan.machineAddress(1, 1, 0x99); // in network 1, like B: only the source is wrong
        Sandbox.run("ip", "-n", a, "address", "add", forged + "/128", "dev", "eth0", "nodad");
        try (Listener tcpB = lab.listen(b, "tcp", "::", 7301); Listener udpB = lab.listen(b, "udp", "::", 7302)) {
            assertRefused(udpB, "udp forged", udp(a, forged, B.address(), 7302, "udp forged"), false);
            assertArrives(udpB, "udp real", udp(a, A.address(), B.address(), 7302, "udp real"));
            assertRefused(tcpB, "tcp forged", tcp(a, forged, B.address(), 7301, "tcp forged"), true);
            assertArrives(tcpB, "tcp real", tcp(a, A.address(), B.address(), 7301, "tcp real"));
            long echoes = PolicyLab.echoRequestsReceived(b);
            assertThat(ping(a, forged, B.address())).as("ping from the forged address").isFalse();
            assertThat(PolicyLab.echoRequestsReceived(b)).as("echo requests from the forged address at b").isEqualTo(echoes);
        } finally {
            Sandbox.run("ip", "-n", a, "address", "del", forged + "/128", "dev", "eth0");
        }
        // The address of a real network-1 machine on another host is just as forged on A's link.
        Sandbox.run("ip", "-n", a, "address", "add", PEER_NETWORK_1 + "/128", "dev", "eth0", "nodad");
        try (Listener udpB = lab.listen(b, "udp", "::", 7303)) {
            assertRefused(udpB, "udp as a remote machine", udp(a, PEER_NETWORK_1, B.address(), 7303, "udp as a remote machine"), false);
        } finally {
            Sandbox.run("ip", "-n", a, "address", "del", PEER_NETWORK_1 + "/128", "dev", "eth0");
        }
    }

    @Test
    void aMachineReachesOfItsHostOnlyTheGatewayAndDns() throws IOException {
        try (Listener web = lab.listen(lab.host, "tcp", "::", 80); Listener dnsUdp = lab.listen(lab.host, "udp", AddressPlan.DNS_ADDRESS, 53);
                Listener dnsTcp = lab.listen(lab.host, "tcp", AddressPlan.DNS_ADDRESS, 53)) {
            assertThat(PolicyLab.ping6LinkLocal(a, AddressPlan.GATEWAY)).as("ping the gateway fe80::1").isTrue();
            assertRefused(web, "tcp gateway:80", tcp(a, null, AddressPlan.GATEWAY + "%eth0", 80, "tcp gateway:80"), true);
            assertRefused(web, "tcp host:80", tcp(a, A.address(), HOST_ADDRESS, 80, "tcp host:80"), true);
            assertRefused(web, "tcp dns:80", tcp(a, A.address(), AddressPlan.DNS_ADDRESS, 80, "tcp dns:80"), true);
            long echoes = PolicyLab.echoRequestsReceived(lab.host);
            assertThat(ping(a, A.address(), HOST_ADDRESS)).as("ping the host's infrastructure address").isFalse();
            assertThat(PolicyLab.echoRequestsReceived(lab.host)).as("echo requests that reached the host").isEqualTo(echoes);

            assertArrives(dnsUdp, "udp dns", udp(a, A.address(), AddressPlan.DNS_ADDRESS, 53, "udp dns"));
            assertArrives(dnsTcp, "tcp dns", tcp(a, A.address(), AddressPlan.DNS_ADDRESS, 53, "tcp dns"));
        }
    }

    @Test
    void aMachineSendsNoIpv4() throws IOException {
        Sandbox.run("ip", "-n", lab.host, "address", "add", "10.77.0.1/24", "dev", A.link());
        Sandbox.run("ip", "-n", a, "address", "add", "10.77.0.2/24", "dev", "eth0");
        try (Listener v4 = lab.listen(lab.host, "udp", "0.0.0.0", 7401)) {
            assertRefused(v4, "udp ipv4", udp(a, null, "10.77.0.1", 7401, "udp ipv4"), false);
        } finally {
            Sandbox.run("ip", "-n", a, "address", "del", "10.77.0.2/24", "dev", "eth0");
            Sandbox.run("ip", "-n", lab.host, "address", "del", "10.77.0.1/24", "dev", A.link());
        }
    }

    @Test
    void otherHostsReachExposedPortsAndTheirOwnNetworkOnly() throws IOException {
        try (Listener exposed = lab.listen(a, "tcp", "::", 80); Listener unexposed = lab.listen(a, "tcp", "::", 81);
                Listener udpB = lab.listen(b, "udp", "::", 7501); Listener hostTcp = lab.listen(lab.host, "tcp", "::", 7502);
                Listener peerUdp = lab.listen(lab.peer, "udp", "::", 7503)) {
            assertArrives(exposed, "ingress->a:80", tcp(lab.peer, PEER_ADDRESS, A.address(), 80, "ingress->a:80"));
            assertRefused(unexposed, "ingress->a:81", tcp(lab.peer, PEER_ADDRESS, A.address(), 81, "ingress->a:81"), true);
            assertArrives(udpB, "peer network 1->b", udp(lab.peer, PEER_NETWORK_1, B.address(), 7501, "peer network 1->b"));
            assertRefused(udpB, "peer network 2->b", udp(lab.peer, PEER_NETWORK_2, B.address(), 7501, "peer network 2->b"), false);
            assertRefused(exposed, "peer network 2->a:80", tcp(lab.peer, PEER_NETWORK_2, A.address(), 80, "peer network 2->a:80"), true);
            assertArrives(hostTcp, "peer host->host", tcp(lab.peer, PEER_ADDRESS, HOST_ADDRESS, 7502, "peer host->host"));
            assertRefused(hostTcp, "peer network 1->host", tcp(lab.peer, PEER_NETWORK_1, HOST_ADDRESS, 7502, "peer network 1->host"), true);

            assertArrives(peerUdp, "a->peer network 1", udp(a, A.address(), PEER_NETWORK_1, 7503, "a->peer network 1"));
            assertRefused(peerUdp, "a->peer network 2", udp(a, A.address(), PEER_NETWORK_2, 7503, "a->peer network 2"), false);
            assertRefused(peerUdp, "a->peer host", udp(a, A.address(), PEER_ADDRESS, 7503, "a->peer host"), false);
        }
    }

    @Test
    void aNewLinkIsIsolatedUntilItsMachineIsInThePolicy() throws IOException {
        GuestLink d = GuestLink.of("fm00000000000d", AddressPlan.machineAddress(1, 1, 4), 1);
        String dNs = lab.machine("d", d);
        try (Listener udpB = lab.listen(b, "udp", "::", 7601)) {
            assertRefused(udpB, "d before", udp(dNs, d.address(), B.address(), 7601, "d before"), false);

            List<String> added = reconciler.reconcile(POLICY.with(d));
            assertThat(added).containsExactly("guest_sources: added \"" + d.link() + "\" . " + d.address());
            assertArrives(udpB, "d admitted", udp(dNs, d.address(), B.address(), 7601, "d admitted"));

            assertThat(reconciler.reconcile(POLICY)).containsExactly("guest_sources: removed \"" + d.link() + "\" . " + d.address());
            assertRefused(udpB, "d after", udp(dNs, d.address(), B.address(), 7601, "d after"), false);
        } finally {
            reconciler.reconcile(POLICY);
        }
    }
}

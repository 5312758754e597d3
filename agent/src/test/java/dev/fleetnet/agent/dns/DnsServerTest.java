package dev.fleetnet.agent.dns;

import static dev.fleetnet.agent.dns.DnsFixtures.answers;
import static dev.fleetnet.agent.dns.DnsFixtures.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.ingress.core.Transports;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** The server on loopback (no root): UDP and TCP, fuzzing, truncation, forwarding. */
class DnsServerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final DnsLimits FAST = new DnsLimits(Duration.ofMillis(300), Duration.ofMillis(300), 4096, 1024, 32);

    private final EventLoopGroup group = Transports.group(1);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    @Test
    void thousandsOfGarbageDatagramsNeverBreakTheServer() throws Exception {
        FakeUpstream upstream = upstream(false);
        DnsServer server = server(List.of(upstream.address()), DnsLimits.DEFAULT);
        List<byte[]> fuzz = Fuzz.packets(new Random(20240611L), 4000);

        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.address().getAddress(), 0))) {
            for (byte[] packet : fuzz) {
                socket.send(new DatagramPacket(packet, packet.length, server.address()));
            }
        }

        Message forwarded = DnsClient.udp(server.address(), query("www.example.test.", "AAAA"), WAIT);
        assertThat(answers(forwarded)).containsExactly("fd00:0:0:0:0:0:0:99");
        Message refused = DnsClient.udp(server.address(), query("web-1.internal.", "AAAA"), WAIT);
        assertThat(refused.getRcode()).as("loopback is no fleet machine").isEqualTo(Rcode.REFUSED);
    }

    @Test
    void garbageOverTcpClosesOnlyThatConnection() throws Exception {
        DnsServer server = server(List.of(), DnsLimits.DEFAULT);
        Random random = new Random(7);
        for (byte[] packet : Fuzz.packets(random, 200)) {
            try (Socket socket = DnsClient.connect(server.address(), WAIT)) {
                byte[] framed = new byte[packet.length + 2];
                framed[0] = (byte) (packet.length >>> 8);
                framed[1] = (byte) packet.length;
                System.arraycopy(packet, 0, framed, 2, packet.length);
                DnsClient.write(socket, random.nextBoolean() ? framed : packet);
            }
        }

        try (Socket socket = DnsClient.connect(server.address(), WAIT)) {
            DnsClient.write(socket, DnsClient.frame(query("www.example.test.", "AAAA")));
            assertThat(DnsClient.read(socket).getRcode()).isEqualTo(Rcode.REFUSED);
        }
    }

    @Test
    void tcpCarriesSeveralQueriesPerConnection() throws Exception {
        FakeUpstream upstream = upstream(false);
        DnsServer server = server(List.of(upstream.address()), DnsLimits.DEFAULT);
        Message www = query("www.example.test.", "AAAA");
        Message internal = query("web-1.internal.", "AAAA");
        Message missing = query("nope.example.test.", "AAAA");
        Message split = query("WWW.example.TEST.", "AAAA");
        www.getHeader().setID(1);
        internal.getHeader().setID(2);
        missing.getHeader().setID(3);
        split.getHeader().setID(4);

        try (Socket socket = DnsClient.connect(server.address(), WAIT)) {
            DnsClient.write(socket, DnsClient.frame(www, internal, missing)); // pipelined in one segment
            byte[] last = DnsClient.frame(split);
            DnsClient.write(socket, java.util.Arrays.copyOf(last, 5)); // and one split across writes
            DnsClient.write(socket, java.util.Arrays.copyOfRange(last, 5, last.length));

            List<Message> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(DnsClient.read(socket));
            }
            // Forwarded answers may come back in any order (RFC 7766): match them by id.
            assertThat(byId(replies, www).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(answers(byId(replies, www))).containsExactly("fd00:0:0:0:0:0:0:99");
            assertThat(byId(replies, internal).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(byId(replies, missing).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(answers(byId(replies, split))).containsExactly("fd00:0:0:0:0:0:0:99");
        }
        assertThat(upstream.seen()).hasSize(3).allSatisfy(seen -> assertThat(seen.tcp()).as("client used TCP").isTrue());
    }

    @Test
    void bigForwardedAnswersSetTcOverUdpAndComeWholeOverTcp() throws Exception {
        FakeUpstream upstream = upstream(false);
        DnsServer server = server(List.of(upstream.address()), DnsLimits.DEFAULT);

        Message overUdp = DnsClient.udp(server.address(), query("big.example.test.", "AAAA"), WAIT);
        Message overTcp;
        try (Socket socket = DnsClient.connect(server.address(), WAIT)) {
            DnsClient.write(socket, DnsClient.frame(query("big.example.test.", "AAAA")));
            overTcp = DnsClient.read(socket);
        }

        assertThat(overUdp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(overUdp.numBytes()).isLessThanOrEqualTo(512);
        assertThat(overTcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(overTcp.getSection(Section.ANSWER)).hasSize(60);
        // The upstream's truncated UDP answer made the forwarder ask again over TCP.
        assertThat(upstream.seen().stream().map(FakeUpstream.Seen::tcp).toList()).containsExactly(false, true, true);
    }

    @Test
    void eachUpstreamIsTriedInTurnAndTheAnswerKeepsTheClientsId() throws Exception {
        FakeUpstream silent = upstream(true);
        FakeUpstream good = upstream(false);
        DnsServer server = server(List.of(silent.address(), good.address()), FAST);
        Message query = query("www.example.test.", "AAAA");
        query.getHeader().setID(4242);

        Message reply = DnsClient.udp(server.address(), query, WAIT);

        assertThat(reply.getHeader().getID()).isEqualTo(4242);
        assertThat(answers(reply)).containsExactly("fd00:0:0:0:0:0:0:99");
        assertThat(silent.seen()).hasSize(1);
        assertThat(good.seen()).hasSize(1);
    }

    @Test
    void noUpstreamAnsweringGivesServfailAndNoUpstreamAtAllGivesRefused() throws Exception {
        FakeUpstream silent = upstream(true);
        DnsServer forwarding = server(List.of(silent.address()), FAST);
        DnsServer alone = server(List.of(), FAST);

        assertThat(DnsClient.udp(forwarding.address(), query("www.example.test.", "AAAA"), WAIT).getRcode())
                .isEqualTo(Rcode.SERVFAIL);
        assertThat(DnsClient.udp(alone.address(), query("www.example.test.", "AAAA"), WAIT).getRcode())
                .isEqualTo(Rcode.REFUSED);
    }

    @Test
    void aSlowUpstreamDoesNotHoldUpTheEventLoop() throws Exception {
        FakeUpstream silent = upstream(true);
        DnsServer server = server(List.of(silent.address()), new DnsLimits(Duration.ofSeconds(3), Duration.ofSeconds(10), 4096, 1024, 32));
        Thread waiting = Thread.ofPlatform().start(() -> DnsClient.udp(server.address(), query("www.example.test.", "AAAA"), WAIT));
        Sandbox.await(WAIT, () -> silent.seen().size() == 1);

        long start = System.nanoTime();
        Message reply = DnsClient.udp(server.address(), query("web-1.internal.", "AAAA"), WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(reply.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(took).as("answered while the one event loop waits for the upstream").isLessThan(Duration.ofSeconds(1));
        waiting.join(WAIT.toMillis());
    }

    @Test
    void oversizedFramesAndIdleConnectionsAreClosed() throws Exception {
        DnsServer server = server(List.of(), FAST);

        try (Socket oversized = DnsClient.connect(server.address(), WAIT); Socket idle = DnsClient.connect(server.address(), WAIT)) {
            DnsClient.write(oversized, new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
            assertThat(DnsClient.closedByServer(oversized)).isTrue();
            assertThat(DnsClient.closedByServer(idle)).as("closed after 300 ms idle").isTrue();
        }
    }

    @Test
    void updateSwapsTheDirectoryTheSameRevisionReplacesAndAnOlderOneIsIgnored() throws Exception {
        DnsServer server = server(List.of(), DnsLimits.DEFAULT);
        List<DnsMachine> web1Stopped = DnsFixtures.machines().stream()
                .map(m -> m.name().equals("web-1") ? new DnsMachine("web-1", "web", m.address(), 1, "host-a", false) : m)
                .toList();

        server.update(DnsFixtures.directory()); // revision 7
        int before = web1(server);
        server.update(new DnsDirectory(7, "host-a", web1Stopped)); // withdrawn locally, same revision
        int after = web1(server);
        server.update(new DnsDirectory(3, "host-a", DnsFixtures.machines())); // a late, older view

        assertThat(before).isEqualTo(Rcode.NOERROR);
        assertThat(after).isEqualTo(Rcode.NXDOMAIN);
        assertThat(web1(server)).as("the older view did not bring web-1 back").isEqualTo(Rcode.NXDOMAIN);
        assertThat(server.zone().revision()).isEqualTo(7);
    }

    private static int web1(DnsServer server) {
        ZoneAnswer answer = server.zone().answer(query("web-1.internal.", "AAAA"), DnsFixtures.ip(DnsFixtures.NET1_CALLER));
        return ((ZoneAnswer.Reply) answer).message().getRcode();
    }

    @Test
    void everyEventLoopGetsAUdpSocketOnTheSamePort() throws Exception {
        EventLoopGroup two = Transports.group(2);
        try (DnsServer server = DnsServer.start(DnsFixtures.config(), two)) {
            assertThat(server.address().getPort()).isPositive();
            assertThat(server.udpSockets()).isEqualTo(Transports.epoll() ? 2 : 1);
            // Each client socket hashes to one of the sockets: enough of them reach both.
            assertThat(IntStream.range(0, 20).mapToObj(i -> DnsClient.udp(server.address(), query("x.example.", "A"), WAIT).getRcode()))
                    .containsOnly(Rcode.REFUSED);
        } finally {
            two.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private FakeUpstream upstream(boolean silent) throws IOException {
        FakeUpstream upstream = new FakeUpstream(silent);
        resources.add(upstream);
        return upstream;
    }

    private DnsServer server(List<InetSocketAddress> upstreams, DnsLimits limits) throws InterruptedException {
        DnsServer server = DnsServer.start(DnsFixtures.config(upstreams), group, limits);
        resources.add(server);
        return server;
    }

    private static Message byId(List<Message> replies, Message query) {
        return replies.stream().filter(r -> r.getHeader().getID() == query.getHeader().getID()).findFirst()
                .orElseThrow(() -> new AssertionError("no reply to " + query.getQuestion() + " in " + replies));
    }
}

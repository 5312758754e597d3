package dev.fleetnet.agent.dns;

import static dev.fleetnet.agent.dns.DnsFixtures.NET1_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.answers;
import static dev.fleetnet.agent.dns.DnsFixtures.ip;
import static dev.fleetnet.agent.dns.DnsFixtures.parse;
import static dev.fleetnet.agent.dns.DnsFixtures.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/** The UDP and TCP handlers in memory, asked from a fleet machine's address (which loopback cannot be). */
class DnsHandlersTest {
    private static final InetSocketAddress CALLER = new InetSocketAddress(ip(NET1_CALLER), 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress(ip("fdaa::3"), 53);

    private final DnsContext dns = new DnsContext(
            new AtomicReference<>(InternalZone.of(DnsFixtures.bigApp(60), DnsFixtures.config())),
            new UpstreamForwarder(List.of(), new DnsChannels(false, null, null, null), Duration.ofSeconds(1)),
            DnsLimits.DEFAULT, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));

    @Test
    void garbageFromAFleetMachineNeverBreaksTheUdpHandler() {
        EmbeddedChannel channel = new EmbeddedChannel(new DnsUdpHandler(dns));
        int replies = 0;

        // -Ddns.fuzz.seed / -Ddns.fuzz.count to search further than the default run.
        for (byte[] packet : Fuzz.packets(new Random(Long.getLong("dns.fuzz.seed", 99)), Integer.getInteger("dns.fuzz.count", 5000))) {
            channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(packet), SERVER, CALLER));
            channel.checkException();
            for (DatagramPacket reply; (reply = channel.readOutbound()) != null; replies++) {
                assertThat(reply.recipient()).isEqualTo(CALLER);
                assertThat(reply.content().readableBytes()).isBetween(12, 1232);
                assertThat(reply.content().getByte(3) & 0x0f).as("SERVFAIL only comes from the fallback for bugs").isNotEqualTo(2);
                reply.release();
            }
        }

        assertThat(channel.isOpen()).isTrue();
        assertThat(replies).as("most garbage with a readable header is answered").isGreaterThan(2000);
        assertThat(answers(udp(channel, query("web-1.internal.", "AAAA")))).containsExactly("fdaa:0:1:0:1:0:1:0");
    }

    @Test
    void bigInternalAnswersSetTcOverUdpAndComeWholeOverTcp() {
        EmbeddedChannel udp = new EmbeddedChannel(new DnsUdpHandler(dns));
        EmbeddedChannel tcp = tcpFrom(CALLER, new DnsTcpInitializer(dns));

        Message overUdp = udp(udp, query("big.internal.", "AAAA"));
        Message overTcp = tcp(tcp, query("big.internal.", "AAAA"));

        assertThat(overUdp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(overTcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(overTcp.getSection(Section.ANSWER)).hasSize(60);
        assertThat(tcp(tcp, query("top2.nearest.of.web.internal.", "AAAA")).getSection(Section.ANSWER))
                .as("a second query on the same connection").hasSize(2);
    }

    @Test
    void aTcpQueryThatIsNoQueryClosesTheConnection() {
        EmbeddedChannel tcp = tcpFrom(CALLER, new DnsTcpInitializer(dns));

        tcp.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 3, 1, 2, 3}));

        assertThat(tcp.isOpen()).isFalse();
    }

    private static Message udp(EmbeddedChannel channel, Message query) {
        channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query.toWire()), SERVER, CALLER));
        DatagramPacket reply = channel.readOutbound();
        try {
            return parse(ByteBufUtil.getBytes(reply.content()));
        } finally {
            reply.release();
        }
    }

    private static Message tcp(EmbeddedChannel channel, Message query) {
        channel.writeInbound(Unpooled.wrappedBuffer(DnsClient.frame(query)));
        ByteBuf length = channel.readOutbound();
        ByteBuf body = channel.readOutbound();
        try {
            assertThat(length.readUnsignedShort()).isEqualTo(body.readableBytes());
            return parse(ByteBufUtil.getBytes(body));
        } finally {
            length.release();
            body.release();
        }
    }

    /** An in-memory connection whose peer is {@code remote}. */
    private static EmbeddedChannel tcpFrom(InetSocketAddress remote, ChannelHandler initializer) {
        return new EmbeddedChannel(initializer) {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
    }
}

package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads on real loopback connections made by {@link Transports}: reused when let go of, never while held. */
class ReceiveBuffersTest {
    private EventLoopGroup group;
    private final List<ByteBuf> received = new CopyOnWriteArrayList<>();
    /** What each read held when it arrived, copied at once. */
    private final List<String> text = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        group = Transports.group(1);
    }

    @AfterEach
    void stop() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A listener whose handler keeps the first read's buffer when {@code holdFirst}, else releases every read. */
    private Channel listener(boolean holdFirst) throws InterruptedException {
        return Transports.server(group).childHandler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                text.add(buf.toString(StandardCharsets.US_ASCII));
                received.add(buf);
                if (!holdFirst || received.size() > 1) {
                    buf.release();
                }
            }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private void sendTwoReads(Channel listener) throws InterruptedException {
        Channel client = Transports.client(group.next()).handler(new ChannelInboundHandlerAdapter())
                .connect(listener.localAddress()).sync().channel();
        client.writeAndFlush(Unpooled.copiedBuffer("first read", StandardCharsets.US_ASCII)).sync();
        Poll.until(Duration.ofSeconds(10), "the first read arrives", () -> text.size() == 1);
        client.writeAndFlush(Unpooled.copiedBuffer("second", StandardCharsets.US_ASCII)).sync();
        Poll.until(Duration.ofSeconds(10), "the second read arrives", () -> text.size() == 2);
        client.close().sync();
        listener.close().sync();
    }

    @Test
    void aReadThatWasLetGoOfLeavesItsBufferToTheNextRead() throws InterruptedException {
        sendTwoReads(listener(false));
        assertThat(text).containsExactly("first read", "second");
        assertThat(received.get(1)).as("the loop's buffer again, not one from the pool").isSameAs(received.get(0));
    }

    @Test
    void aBufferStillHeldIsNeverFilledAgain() throws InterruptedException {
        sendTwoReads(listener(true));
        assertThat(text).containsExactly("first read", "second");
        ByteBuf held = received.get(0);
        assertThat(received.get(1)).isNotSameAs(held);
        assertThat(held.toString(StandardCharsets.US_ASCII)).as("what the holder has is what it read").isEqualTo("first read");
        assertThat(held.refCnt()).as("the holder's reference alone: the loop let go of it").isEqualTo(1);
        held.release();
    }
}

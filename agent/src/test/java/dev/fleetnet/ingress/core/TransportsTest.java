package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransportsTest {
    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    private final String property = System.getProperty(Transports.LEAK_DETECTION);
    private final String allocatorType = System.getProperty(Transports.ALLOCATOR_TYPE);

    @AfterEach
    void restore() { // process-wide: the tests after this one keep their level
        ResourceLeakDetector.setLevel(before);
        if (property == null) {
            System.clearProperty(Transports.LEAK_DETECTION);
        } else {
            System.setProperty(Transports.LEAK_DETECTION, property);
        }
        if (allocatorType == null) {
            System.clearProperty(Transports.ALLOCATOR_TYPE);
        } else {
            System.setProperty(Transports.ALLOCATOR_TYPE, allocatorType);
        }
    }

    @Test
    void leakDetectionIsOffForAServingProcessThatAskedForNothing() {
        System.clearProperty(Transports.LEAK_DETECTION);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        Transports.leakDetectionOffUnlessAsked();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    }

    @Test
    void aLevelAskedForWithNettysPropertyStays() {
        System.setProperty(Transports.LEAK_DETECTION, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        Transports.leakDetectionOffUnlessAsked();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void bothEndsOfAProxiedConnectionUseThePooledAllocatorUnlessNettysPropertyNamesOne() throws Exception {
        System.clearProperty(Transports.ALLOCATOR_TYPE);
        EventLoopGroup group = Transports.group(1);
        try {
            CompletableFuture<ByteBufAllocator> accepted = new CompletableFuture<>();
            Channel listener = Transports.server(group).childHandler(new ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    accepted.complete(ctx.channel().config().getAllocator());
                }
            }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = Transports.client(group.next()).handler(new ChannelInboundHandlerAdapter())
                    .connect(listener.localAddress()).sync().channel();
            assertThat(client.config().getAllocator()).isSameAs(PooledByteBufAllocator.DEFAULT);
            assertThat(accepted.get(10, TimeUnit.SECONDS)).isSameAs(PooledByteBufAllocator.DEFAULT);
            client.close().sync();
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }

        System.setProperty(Transports.ALLOCATOR_TYPE, "unpooled");
        assertThat(Transports.allocator()).isSameAs(ByteBufAllocator.DEFAULT);
    }
}

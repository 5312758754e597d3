package dev.fleetnet.ingress.core;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;

/** Native epoll when the platform has it, NIO otherwise — chosen once; netty's process-wide settings. */
public final class Transports {
    /** netty's own property for its buffer leak detection. */
    public static final String LEAK_DETECTION = "io.netty.leakDetection.level";
    /** netty's own property for its default buffer allocator. */
    public static final String ALLOCATOR_TYPE = "io.netty.allocator.type";

    private Transports() {}

    /**
     * For a process that serves traffic (the agent, the benches): netty's buffer leak detection
     * off unless {@code -Dio.netty.leakDetection.level} asks for a level. Its default sampling
     * touches every message at every handler it passes; that was about a tenth of the ingress's
     * CPU time per proxied request (bench/ingress). Tests keep netty's default.
     */
    public static void leakDetectionOffUnlessAsked() {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * The buffer allocator of the ingress's connections, client and upstream side: netty's pooled
     * allocator, whose per-thread caches suit event-loop threads, unless
     * {@code -Dio.netty.allocator.type} names one (then netty's default, as that property made
     * it). netty 4.2's own default, the adaptive allocator, cost about 6% of the proxied HTTP
     * requests per second in A/B runs against nginx (8 rounds, bench/ingress's setup).
     */
    public static ByteBufAllocator allocator() {
        return System.getProperty(ALLOCATOR_TYPE) == null ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
    }

    /**
     * A listener of the ingress on {@code group}: native transport when there is one, a backlog
     * of 1024, and accepted connections with {@code TCP_NODELAY}, {@link #allocator()} and reads into
     * {@link ReceiveBuffers}.
     */
    public static ServerBootstrap server(EventLoopGroup group) {
        return new ServerBootstrap().group(group).channel(serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, allocator())
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new ReceiveBuffers());
    }

    /** A connection of the ingress to a machine from {@code loop}: {@code TCP_NODELAY}, {@link #allocator()}, reads into {@link ReceiveBuffers}. */
    public static Bootstrap client(EventLoop loop) {
        return new Bootstrap().group(loop).channel(channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, allocator())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new ReceiveBuffers());
    }

    public static boolean epoll() {
        return Epoll.isAvailable();
    }

    public static EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public static Class<? extends ServerSocketChannel> serverChannel() {
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends SocketChannel> channel() {
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}

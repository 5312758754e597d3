package dev.fleetnet.ingress.core;

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

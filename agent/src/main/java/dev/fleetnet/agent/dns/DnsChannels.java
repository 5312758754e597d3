package dev.fleetnet.agent.dns;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The channel classes that match an event loop group: epoll's for an epoll group, NIO's otherwise. */
record DnsChannels(
        boolean epoll,
        Class<? extends DatagramChannel> datagram,
        Class<? extends ServerSocketChannel> server,
        Class<? extends SocketChannel> socket) {

    static DnsChannels forGroup(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)) {
            return new DnsChannels(true, EpollDatagramChannel.class, EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new DnsChannels(false, NioDatagramChannel.class, NioServerSocketChannel.class, NioSocketChannel.class);
    }
}

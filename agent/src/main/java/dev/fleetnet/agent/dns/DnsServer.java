package dev.fleetnet.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's DNS server on UDP and TCP (normally {@code [fdaa::3]:53}), answering the
 * {@code internal.} zone from the latest {@link DnsDirectory} and forwarding other zones.
 *
 * <p>Threading: {@link #update} is called by one writer; it builds a new {@link InternalZone}
 * and swaps it whole, so a query sees one directory revision or the next, never a mix. With
 * epoll, one UDP socket per event loop shares the port (SO_REUSEPORT) so every loop answers.
 * Listen on a specific address: replies leave from the bound address.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final int BIND_ATTEMPTS = 5;

    private final DnsConfig config;
    private final AtomicReference<InternalZone> zone;
    private final List<Channel> udp;
    private final Channel tcp;
    private final ChannelGroup tcpConnections;

    private DnsServer(DnsConfig config, AtomicReference<InternalZone> zone, List<Channel> udp, Channel tcp,
            ChannelGroup tcpConnections) {
        this.config = config;
        this.zone = zone;
        this.udp = udp;
        this.tcp = tcp;
        this.tcpConnections = tcpConnections;
    }

    /** Binds UDP and TCP on {@code config.listen()} using {@code group}'s loops; answers an empty directory until {@link #update}. */
    public static DnsServer start(DnsConfig config, EventLoopGroup group) throws InterruptedException {
        return start(config, group, DnsLimits.DEFAULT);
    }

    static DnsServer start(DnsConfig config, EventLoopGroup group, DnsLimits limits) throws InterruptedException {
        DnsChannels channels = DnsChannels.forGroup(group);
        AtomicReference<InternalZone> zone = new AtomicReference<>(InternalZone.of(DnsDirectory.empty(), config));
        ChannelGroup connections = new DefaultChannelGroup("dns-tcp", GlobalEventExecutor.INSTANCE);
        DnsContext dns = new DnsContext(zone, new UpstreamForwarder(config.upstreams(), channels, limits.upstreamTimeout()),
                limits, connections);
        int loops = 0;
        for (var ignored : group) {
            loops++;
        }
        int sockets = channels.epoll() ? loops : 1;
        // With port 0, UDP picks the port and TCP must get the same one: retry if TCP finds it taken.
        for (int attempt = 1; ; attempt++) {
            List<Channel> udp = bindUdp(config.listen(), group, channels, dns, sockets);
            InetSocketAddress bound = (InetSocketAddress) udp.get(0).localAddress();
            ChannelFuture tcp = new ServerBootstrap().group(group).channel(channels.server())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new DnsTcpInitializer(dns))
                    .bind(bound).await();
            if (tcp.isSuccess()) {
                log.info("DNS on {} (udp sockets: {}, epoll: {}, upstreams: {})", bound, udp.size(), channels.epoll(),
                        config.upstreams());
                return new DnsServer(config, zone, udp, tcp.channel(), connections);
            }
            udp.forEach(Channel::close);
            if (config.listen().getPort() != 0 || attempt == BIND_ATTEMPTS) {
                throw new IllegalStateException("DNS: cannot listen on TCP " + bound + ": " + tcp.cause().getMessage()
                        + " (expected: a free port on an address of this namespace)", tcp.cause());
            }
        }
    }

    private static List<Channel> bindUdp(InetSocketAddress listen, EventLoopGroup group, DnsChannels channels,
            DnsContext dns, int sockets) throws InterruptedException {
        List<Channel> bound = new ArrayList<>();
        InetSocketAddress address = listen;
        for (int i = 0; i < sockets; i++) {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(channels.datagram())
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new DnsUdpHandler(dns));
            if (channels.epoll() && sockets > 1) {
                bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            ChannelFuture future = bootstrap.bind(address).await();
            if (!future.isSuccess()) {
                bound.forEach(Channel::close);
                throw new IllegalStateException("DNS: cannot listen on UDP " + address + ": " + future.cause().getMessage()
                        + " (expected: a free port on an address of this namespace)", future.cause());
            }
            bound.add(future.channel());
            address = (InetSocketAddress) future.channel().localAddress(); // the others join the same port
        }
        return bound;
    }

    /**
     * Answers from {@code directory} from now on (before this returns). A directory older than
     * the one served is ignored, so a late view never undoes a newer one; the same revision
     * replaces it (the agent withdrawing a stopped machine at once, before the controller's next
     * view). One writer thread only.
     */
    public void update(DnsDirectory directory) {
        InternalZone current = zone.get();
        if (directory.revision() < current.revision()) {
            log.debug("DNS: directory revision {} ignored (serving {})", directory.revision(), current.revision());
            return;
        }
        zone.set(InternalZone.of(directory, config));
    }

    /** The zone answered from now. */
    InternalZone zone() {
        return zone.get();
    }

    /** UDP sockets sharing the port: one per event loop with epoll, else one. */
    int udpSockets() {
        return udp.size();
    }

    /** The bound address (UDP and TCP share it). */
    public InetSocketAddress address() {
        return (InetSocketAddress) tcp.localAddress();
    }

    /** Stops listening and closes open TCP connections; the event loop group stays the caller's. */
    @Override
    public void close() {
        tcp.close().syncUninterruptibly();
        udp.forEach(channel -> channel.close().syncUninterruptibly());
        tcpConnections.close().syncUninterruptibly();
    }
}

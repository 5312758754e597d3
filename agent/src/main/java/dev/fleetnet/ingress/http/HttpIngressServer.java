package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * The HTTP/WebSocket front-end: a listener (netty, epoll when available) whose connections
 * route through the current table of {@link IngressRoutes} and reach machines through the
 * shared {@link UpstreamConnector}, which closes them when their machine stops.
 */
public final class HttpIngressServer implements AutoCloseable {
    private final ConnectionLimiter limiter;
    private final UpstreamConnector connector;
    private final Channel channel;

    private HttpIngressServer(ConnectionLimiter limiter, UpstreamConnector connector, Channel channel) {
        this.limiter = limiter;
        this.connector = connector;
        this.channel = channel;
    }

    /** Binds on {@code address} with a connector of its own (tests, benchmarks). */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, EventLoopGroup group,
            InetSocketAddress address) throws InterruptedException {
        return start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()), group, address);
    }

    /** Binds on {@code address} using {@code group}'s loops for clients and their upstreams. */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address) throws InterruptedException {
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerClient());
        UpstreamPools pools = new UpstreamPools(config, connector);
        // The listen port is known only after binding; the context is made per child channel.
        IngressContext[] holder = new IngressContext[1];
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        ch.pipeline().addLast(new HttpIngressInitializer(holder[0], limiter));
                    }
                });
        Channel channel = bootstrap.bind(address).sync().channel();
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        holder[0] = new IngressContext(config, routes, new OutstandingRequests(), pools, port, "http");
        return new HttpIngressServer(limiter, connector, channel);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Call when a machine stops or its address goes away: closes every upstream connection to it. */
    public void closeConnectionsTo(String machineAddress) {
        connector.closeAll(machineAddress);
    }

    public int openConnections() {
        return limiter.open();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.IngressTable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * The HTTP/WebSocket ingress listener: netty (epoll when available), routing through an
 * {@link IngressTable} that the agent updates per route and per machine.
 */
public final class HttpIngressServer implements AutoCloseable {
    private final IngressContext ingress;
    private final ConnectionLimiter limiter;
    private final Channel channel;

    private HttpIngressServer(IngressContext ingress, ConnectionLimiter limiter, Channel channel) {
        this.ingress = ingress;
        this.limiter = limiter;
        this.channel = channel;
    }

    /** Binds on {@code address} using {@code group}'s loops for clients and their upstreams. */
    public static HttpIngressServer start(IngressConfig config, IngressTable table, EventLoopGroup group,
            InetSocketAddress address) throws InterruptedException {
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerClient());
        UpstreamPools pools = new UpstreamPools(config);
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
        holder[0] = new IngressContext(config, table, new OutstandingRequests(), pools, port, "http");
        return new HttpIngressServer(holder[0], limiter, channel);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Call when a machine stops or its address goes away: closes every upstream connection to it. */
    public void closeConnectionsTo(String machineAddress) {
        ingress.pools().closeAll(machineAddress);
    }

    public int openConnections() {
        return limiter.open();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}

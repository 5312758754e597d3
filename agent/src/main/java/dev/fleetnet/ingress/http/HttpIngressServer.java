package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.routing.IngressTable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * The HTTP/WebSocket ingress listeners: cleartext and, when given an address, TLS terminated by
 * server name; netty (epoll when available), routing through an {@link IngressTable} that the
 * agent updates per route and per machine. Both listeners share the connection limits and the
 * upstream pools.
 */
public final class HttpIngressServer implements AutoCloseable {
    private final IngressContext ingress;
    private final ConnectionLimiter limiter;
    private final Channel channel;
    /** Null without a TLS listener. */
    private final Channel tlsChannel;

    private HttpIngressServer(IngressContext ingress, ConnectionLimiter limiter, Channel channel, Channel tlsChannel) {
        this.ingress = ingress;
        this.limiter = limiter;
        this.channel = channel;
        this.tlsChannel = tlsChannel;
    }

    /** Binds on {@code address} using {@code group}'s loops for clients and their upstreams; no TLS, no certificates. */
    public static HttpIngressServer start(IngressConfig config, IngressTable table, EventLoopGroup group,
            InetSocketAddress address) throws InterruptedException {
        return start(config, table, group, address, null, CertificateStore.empty());
    }

    /**
     * Binds cleartext HTTP on {@code address} and, unless {@code tlsAddress} is null, TLS on
     * {@code tlsAddress} serving {@code certificates}' current state (which the caller swaps).
     */
    public static HttpIngressServer start(IngressConfig config, IngressTable table, EventLoopGroup group,
            InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates) throws InterruptedException {
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerClient());
        UpstreamPools pools = new UpstreamPools(config);
        OutstandingRequests outstanding = new OutstandingRequests();
        Channel channel = bind(group, address, port ->
                new IngressContext(config, table, outstanding, pools, port, "http", certificates), limiter);
        Channel tlsChannel = null;
        if (tlsAddress != null) {
            try {
                tlsChannel = bind(group, tlsAddress, port ->
                        new IngressContext(config, table, outstanding, pools, port, "https", certificates), limiter);
            } catch (RuntimeException | InterruptedException e) {
                channel.close().syncUninterruptibly();
                throw e;
            }
        }
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        return new HttpIngressServer(new IngressContext(config, table, outstanding, pools, port, "http", certificates), limiter,
                channel, tlsChannel);
    }

    private static Channel bind(EventLoopGroup group, InetSocketAddress address,
            java.util.function.IntFunction<IngressContext> context, ConnectionLimiter limiter) throws InterruptedException {
        // The listen port is known only after binding; the context is made then, before any child channel.
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
        holder[0] = context.apply(((InetSocketAddress) channel.localAddress()).getPort());
        return channel;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The TLS listener's address, or null when there is none. */
    public InetSocketAddress tlsAddress() {
        return tlsChannel == null ? null : (InetSocketAddress) tlsChannel.localAddress();
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
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
        channel.close().syncUninterruptibly();
    }
}

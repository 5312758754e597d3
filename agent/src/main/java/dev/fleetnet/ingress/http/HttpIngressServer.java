package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerNameHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The HTTP/WebSocket front-end: a cleartext listener and, when given an address, a TLS one
 * terminated by server name (netty, epoll when available). Connections route through the
 * current table of {@link IngressRoutes} and reach machines through the shared
 * {@link UpstreamConnector}, which closes them when their machine stops. Both listeners share
 * the connection limits and the upstream pools.
 */
public final class HttpIngressServer implements AutoCloseable {
    private final ConnectionLimiter limiter;
    private final UpstreamConnector connector;
    private final Channel channel;
    /** Null without a TLS listener. */
    private final Channel tlsChannel;
    private final OutstandingRequests outstanding;

    private HttpIngressServer(ConnectionLimiter limiter, UpstreamConnector connector, Channel channel, Channel tlsChannel,
            OutstandingRequests outstanding) {
        this.limiter = limiter;
        this.outstanding = outstanding;
        this.connector = connector;
        this.channel = channel;
        this.tlsChannel = tlsChannel;
    }

    /** Cleartext only, with a connector of its own (tests, benchmarks). */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, EventLoopGroup group,
            InetSocketAddress address) throws InterruptedException {
        return start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()), group, address, null,
                CertificateStore.empty());
    }

    /**
     * Binds cleartext HTTP on {@code address} and, unless {@code tlsAddress} is null, TLS on
     * {@code tlsAddress} serving {@code certificates}' current state (which the caller swaps).
     */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates)
            throws InterruptedException {
        return start(config, routes, connector, group, address, tlsAddress, certificates, H2Options.defaults());
    }

    /** As above, reporting every request's final response to {@code observer} (metrics, access log), HTTP/2 included. */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates,
            IngressObserver observer) throws InterruptedException {
        return start(config, routes, connector, group, address, tlsAddress, certificates, H2Options.defaults(observer));
    }

    /** As above, with the HTTP/2 front-end's limits; every request is reported to {@code h2.observer()}. */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates,
            H2Options h2) throws InterruptedException {
        return start(config, routes, connector, group, address, tlsAddress, certificates,
                new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerClient()), null, h2);
    }

    /**
     * The whole form: {@code limiter} is shared with other front-ends, and unless null a handler
     * from {@code beforeTermination} is placed before TLS termination on each TLS connection (TLS
     * passthrough, which may take the connection away from termination by server name); every
     * request is reported to {@code h2.observer()}.
     */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates,
            ConnectionLimiter limiter, Supplier<ChannelHandler> beforeTermination, H2Options h2) throws InterruptedException {
        return start(config, routes, connector, group, address, tlsAddress, certificates, limiter, beforeTermination, h2, LocalSite.NONE);
    }

    /** As above, with a hostname the ingress serves itself on both listeners ({@code site}: the web console). */
    public static HttpIngressServer start(IngressConfig config, IngressRoutes routes, UpstreamConnector connector,
            EventLoopGroup group, InetSocketAddress address, InetSocketAddress tlsAddress, CertificateStore certificates,
            ConnectionLimiter limiter, Supplier<ChannelHandler> beforeTermination, H2Options h2, LocalSite site)
            throws InterruptedException {
        IngressObserver observer = h2.observer();
        UpstreamPools pools = new UpstreamPools(config, connector);
        OutstandingRequests outstanding = new OutstandingRequests();
        Channel channel = bind(group, address, port ->
                new IngressContext(config, routes, outstanding, pools, port, "http", certificates, observer, site), limiter, h2, null);
        Channel tlsChannel = null;
        if (tlsAddress != null) {
            try {
                tlsChannel = bind(group, tlsAddress, port ->
                        new IngressContext(config, routes, outstanding, pools, port, "https", certificates, observer, site), limiter, h2,
                        beforeTermination);
            } catch (RuntimeException | InterruptedException e) {
                channel.close().syncUninterruptibly();
                throw e;
            }
        }
        return new HttpIngressServer(limiter, connector, channel, tlsChannel, outstanding);
    }

    private static Channel bind(EventLoopGroup group, InetSocketAddress address,
            java.util.function.IntFunction<IngressContext> context, ConnectionLimiter limiter, H2Options h2,
            Supplier<ChannelHandler> beforeTermination) throws InterruptedException {
        // The listen port is known only after binding; the context is made then, before any child channel.
        IngressContext[] holder = new IngressContext[1];
        ServerBootstrap bootstrap = Transports.server(group)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        ch.pipeline().addLast(new HttpIngressInitializer(holder[0], limiter, h2));
                        if (beforeTermination != null && ch.pipeline().get(ServerNameHandler.NAME) != null) {
                            ch.pipeline().addBefore(ServerNameHandler.NAME, null, beforeTermination.get());
                        }
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
        connector.closeAll(machineAddress);
    }

    public int openConnections() {
        return limiter.open();
    }

    /**
     * Requests to {@code machine} admitted and not yet answered in full: waiting for an upstream
     * connection, sent, or being relayed (the count that balancing reads).
     */
    public int requestsInFlight(String machine) {
        return outstanding.count(machine);
    }

    @Override
    public void close() {
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
        channel.close().syncUninterruptibly();
    }
}

package dev.fleetnet.ingress;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.passthrough.PassthroughHandler;
import dev.fleetnet.ingress.tcp.TcpIngress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.time.Duration;

/**
 * The stream front-ends of one host's ingress, built once on the shared core: TLS passthrough
 * handlers for the TLS listener ({@link #passthroughHandler}) and the TCP routes' listeners
 * ({@link #tcp}), both relaying through one {@link StreamRelay} whose connections the
 * {@link UpstreamConnector} closes when their machine stops.
 */
public final class StreamIngress implements AutoCloseable {
    private final IngressRoutes routes;
    private final StreamRelay relay;
    private final IngressObserver observer;
    private final Duration handshakeTimeout;
    private final TcpIngress tcp;

    /** What the stream front-ends run with: this host's name, where TCP routes listen, and the time limits. */
    public record Config(String hostName, InetAddress bindAddress, Duration handshakeTimeout, Duration idleTimeout) {}

    public StreamIngress(Config config, IngressRoutes routes, UpstreamConnector connector, EventLoopGroup group,
            ConnectionLimiter limiter, IngressObserver observer) {
        this.routes = routes;
        this.observer = observer == null ? IngressObserver.NONE : observer;
        this.relay = new StreamRelay(connector, this.observer, config.idleTimeout());
        this.handshakeTimeout = config.handshakeTimeout();
        this.tcp = new TcpIngress(new TcpIngress.Config(config.hostName(), config.bindAddress()), routes, group, limiter, relay,
                this.observer);
    }

    /** A new handler for one TLS connection, to sit before termination. */
    public ChannelHandler passthroughHandler() {
        return new PassthroughHandler(routes, relay, observer, handshakeTimeout);
    }

    /** The TCP listeners; {@link TcpIngress#apply} on the ingress writer's thread after each view. */
    public TcpIngress tcp() {
        return tcp;
    }

    @Override
    public void close() {
        tcp.close();
    }
}

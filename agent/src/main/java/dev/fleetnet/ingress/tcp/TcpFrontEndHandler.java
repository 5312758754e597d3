package dev.fleetnet.ingress.tcp;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.routing.StreamResolution;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a TCP route's connection: resolves the public port it was accepted on
 * against the current table, then relays to the machine, or resets the connection when no route
 * holds the port or its machine cannot serve (stopped, gone, port not exposed).
 */
final class TcpFrontEndHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpFrontEndHandler.class);
    private final IngressRoutes routes;
    private final StreamRelay relay;
    private final IngressObserver observer;

    TcpFrontEndHandler(IngressRoutes routes, StreamRelay relay, IngressObserver observer) {
        this.routes = routes;
        this.relay = relay;
        this.observer = observer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        switch (routes.current().resolveTcp(port)) {
            case StreamResolution.Forward f -> {
                ctx.pipeline().remove(this);
                relay.relay(ctx.channel(), f.route(), f.candidates(), "");
            }
            case StreamResolution.Refuse r -> {
                log.debug("tcp: port {} from {}: {}, resetting", port, ctx.channel().remoteAddress(), r.reason());
                StreamRelay.refused(observer, ctx.channel(), "", r.route(), r.reason());
                StreamRelay.reset(ctx.channel());
            }
            case StreamResolution.NoRoute n -> {
                log.debug("tcp: port {} from {}: no route, resetting", port, ctx.channel().remoteAddress());
                StreamRelay.reset(ctx.channel());
            }
        }
    }
}

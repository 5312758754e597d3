package dev.fleetnet.ingress.passthrough;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.tls.OnceSniHandler;
import dev.fleetnet.routing.StreamResolution;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placed before TLS termination on the TLS listener: reads the ClientHello's server name and,
 * when a TLS passthrough route holds it, replaces the rest of the pipeline with a relay to the
 * route's machine, which receives the ClientHello bytes unchanged (after a PROXY v2 header if the
 * route asks). Any other name goes on to termination exactly as if this handler were not there.
 * A passthrough route whose machine cannot serve gets the fatal alert {@code internal_error} (80)
 * and the close, nothing connected: the name is known, so {@code unrecognized_name} would mislead.
 * A connection is routed once, while it is open ({@link OnceSniHandler}).
 */
public final class PassthroughHandler extends OnceSniHandler<StreamResolution> {
    private static final Logger log = LoggerFactory.getLogger(PassthroughHandler.class);
    public static final String NAME = "tls-passthrough";
    /** A plaintext fatal alert record (RFC 8446 6): type 21, version 3.3, length 2, fatal, internal_error. */
    static final byte[] INTERNAL_ERROR_ALERT = {21, 3, 3, 0, 2, 2, 80};

    private final IngressRoutes routes;
    private final StreamRelay relay;
    private final IngressObserver observer;

    public PassthroughHandler(IngressRoutes routes, StreamRelay relay, IngressObserver observer, Duration handshakeTimeout) {
        super(handshakeTimeout.toMillis());
        this.routes = routes;
        this.relay = relay;
        this.observer = observer == null ? IngressObserver.NONE : observer;
    }

    @Override
    protected Future<StreamResolution> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(routes.current().resolvePassthrough(hostname));
    }

    @Override
    protected void decide(ChannelHandlerContext ctx, String hostname, Future<StreamResolution> future) {
        StreamResolution resolution = future.isSuccess() ? future.getNow() : new StreamResolution.NoRoute();
        switch (resolution) {
            case StreamResolution.NoRoute n -> ctx.pipeline().remove(this); // the held ClientHello goes on to termination
            case StreamResolution.Refuse r -> {
                log.debug("tls passthrough: server name '{}' from {}: {}, closing with internal_error", hostname,
                        ctx.channel().remoteAddress(), r.reason());
                StreamRelay.refused(observer, ctx.channel(), hostname, r.route(), r.reason());
                ctx.writeAndFlush(Unpooled.wrappedBuffer(INTERNAL_ERROR_ALERT)).addListener(ChannelFutureListener.CLOSE);
            }
            case StreamResolution.Forward f -> {
                ChannelPipeline pipeline = ctx.pipeline();
                List<String> after = new ArrayList<>();
                boolean mine = false;
                for (Map.Entry<String, ChannelHandler> e : pipeline) {
                    if (mine) {
                        after.add(e.getKey());
                    }
                    mine |= e.getValue() == this;
                }
                after.forEach(pipeline::remove); // termination and HTTP: none of it applies to this connection
                relay.relay(ctx.channel(), f.route(), f.candidates(), hostname);
                pipeline.remove(this); // fires the held ClientHello into the relay's holding handler
            }
        }
    }
}

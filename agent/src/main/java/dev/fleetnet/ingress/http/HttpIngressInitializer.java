package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IdleTimeout;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.tls.ServerNameHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The pipeline of one HTTP ingress connection: limits, timeouts, HTTP/1.1 codec, the proxy; on
 * the TLS listener, TLS termination by server name first, then HTTP/1.1 (with the Host/SNI check)
 * or HTTP/2 as ALPN decides.
 */
final class HttpIngressInitializer extends ChannelInitializer<SocketChannel> {
    static final String HEADER_TIMEOUT = "header-timeout";
    static final String CODEC = "http-codec";
    static final String IDLE = "idle";
    private final IngressContext ingress;
    private final ConnectionLimiter limiter;
    private final H2Options h2;

    HttpIngressInitializer(IngressContext ingress, ConnectionLimiter limiter) {
        this(ingress, limiter, H2Options.defaults());
    }

    HttpIngressInitializer(IngressContext ingress, ConnectionLimiter limiter, H2Options h2) {
        this.ingress = ingress;
        this.limiter = limiter;
        this.h2 = h2;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        IngressConfig config = ingress.config();
        boolean tls = ingress.scheme().equals("https");
        ChannelPipeline p = ch.pipeline().addLast("limiter", limiter);
        if (tls) {
            p.addLast(ServerNameHandler.NAME, new ServerNameHandler(ingress.certificates(), config.tlsHandshakeTimeout()));
        }
        p.addLast(IDLE, new IdleTimeout(config.idleTimeout()));
        if (tls) { // HTTP/1.1 or HTTP/2 by ALPN, set up once the handshake is done
            p.addLast("alpn", new AlpnSwitch(ingress, h2));
            return;
        }
        p.addLast(HEADER_TIMEOUT, new HeaderReadTimeoutHandler(config.headerReadTimeout()));
        Http1ServerCodec.addLast(p, config);
        p.addLast("proxy", new HttpProxyHandler(ingress));
    }

    /**
     * The connection leaves the proxy for the ingress's own site (the console's WebSocket):
     * {@code site} takes the place of the proxy ({@code proxy} is its context) and gets
     * {@code request} and whatever was read after it. The site keeps its own timeouts; the header
     * and idle timers of HTTP requests go.
     */
    static void handOver(ChannelHandlerContext proxy, ChannelHandler site, HttpRequest request, DeferredInput deferred) {
        ChannelPipeline p = proxy.pipeline();
        p.remove(HeaderReadTimeoutHandler.class);
        if (p.get(IDLE) != null) {
            p.remove(IDLE);
        }
        p.addAfter(proxy.name(), null, site);
        proxy.fireChannelRead(request);
        while (!deferred.isEmpty()) {
            proxy.fireChannelRead(deferred.poll());
        }
        p.remove(proxy.handler());
    }
}

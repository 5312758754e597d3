package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.tls.ServerNameGuard;
import dev.fleetnet.ingress.tls.ServerNameHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of one HTTP ingress connection: limits, timeouts, HTTP/1.1 codec, the proxy; on
 * the TLS listener, TLS termination by server name first and the Host/SNI check before the proxy.
 */
final class HttpIngressInitializer extends ChannelInitializer<SocketChannel> {
    static final String HEADER_TIMEOUT = "header-timeout";
    static final String CODEC = "http-codec";
    static final String IDLE = "idle";
    private final IngressContext ingress;
    private final ConnectionLimiter limiter;

    HttpIngressInitializer(IngressContext ingress, ConnectionLimiter limiter) {
        this.ingress = ingress;
        this.limiter = limiter;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        IngressConfig config = ingress.config();
        boolean tls = ingress.scheme().equals("https");
        ChannelPipeline p = ch.pipeline().addLast("limiter", limiter);
        if (tls) {
            p.addLast(ServerNameHandler.NAME, new ServerNameHandler(ingress.certificates(), config.tlsHandshakeTimeout()));
        }
        p.addLast(IDLE, new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast(HEADER_TIMEOUT, new HeaderReadTimeoutHandler(config.headerReadTimeout()))
                .addLast(CODEC, new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 64 * 1024));
        if (tls) {
            p.addLast("server-name-guard", new ServerNameGuard());
        }
        p.addLast("proxy", new HttpProxyHandler(ingress));
    }
}

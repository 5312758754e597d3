package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.h2.Http2Front;
import dev.fleetnet.ingress.tls.ServerNameGuard;
import dev.fleetnet.routing.Hostnames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;

/**
 * After the TLS handshake, sets up the protocol the client and the ingress agreed on by ALPN:
 * the HTTP/2 front-end for {@code h2}, today's HTTP/1.1 pipeline otherwise (no ALPN included).
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {
    private final IngressContext ingress;
    private final H2Options h2;
    /** Lower case, from the ClientHello; the SNI event passes before the handshake completes. */
    private String serverName;

    AlpnSwitch(IngressContext ingress, H2Options h2) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.ingress = ingress;
        this.h2 = h2;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni && sni.isSuccess() && sni.hostname() != null) {
            serverName = Hostnames.fromHostHeader(sni.hostname());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        ChannelPipeline p = ctx.pipeline();
        if (protocol.equals(ApplicationProtocolNames.HTTP_2)) {
            Http2Front.configure(p, ingress, h2, serverName);
            return;
        }
        IngressConfig config = ingress.config();
        p.addLast(HttpIngressInitializer.HEADER_TIMEOUT, new HeaderReadTimeoutHandler(config.headerReadTimeout()));
        Http1ServerCodec.addLast(p, config);
        p.addLast("server-name-guard", new ServerNameGuard(serverName))
                .addLast("proxy", new HttpProxyHandler(ingress));
    }
}

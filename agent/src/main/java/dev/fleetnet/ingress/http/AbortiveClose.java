package dev.fleetnet.ingress.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;

/**
 * Ends a client connection with a reset instead of a FIN (SO_LINGER 0), for a response that was
 * cut after it started: a client whose body ends with the connection (HTTP/1.0, a dechunked body,
 * {@code Connection: close}) would take an orderly close for the body's end (RFC 9112 8: an
 * incomplete message must be recognisable as such). What was not yet sent is lost, as it is lost
 * anyway.
 */
final class AbortiveClose {
    private AbortiveClose() {}

    /** Resets {@code ctx}'s connection; a channel without SO_LINGER (an HTTP/2 stream) is closed as it closes (RST_STREAM). */
    static void reset(ChannelHandlerContext ctx) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        // closed from in front of TLS: its close_notify would tell the client that the data ended as the server meant (RFC 8446 6.1)
        ChannelHandlerContext tls = ctx.pipeline().context(SslHandler.class);
        (tls != null ? tls : ctx).close();
    }
}

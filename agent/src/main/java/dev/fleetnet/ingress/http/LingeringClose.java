package dev.fleetnet.ingress.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A final response, then the end of the connection with a lingering close (RFC 9112 9.6): our
 * side is shut down and what the client still sends is read and dropped for a bounded time, so
 * that the kernel does not answer unread data with a reset that could destroy the response
 * before the client read it.
 */
final class LingeringClose {
    /** How long the client's input is still read after the response. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private LingeringClose() {}

    /** Sends {@code response} (with {@code Connection: close}) and closes; the caller drops whatever it reads meanwhile. */
    static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, false);
        if (!(ctx.channel() instanceof DuplexChannel duplex)) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().config().setAutoRead(true);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            duplex.shutdownOutput();
            ctx.executor().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
        });
    }
}

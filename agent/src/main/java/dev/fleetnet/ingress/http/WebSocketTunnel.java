package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Turns an upgraded exchange into a byte relay: once the {@code 101} reaches the client, both
 * pipelines drop their HTTP codecs and copy bytes to each other with backpressure.
 */
final class WebSocketTunnel {
    private WebSocketTunnel() {}

    /**
     * Runs on the client channel's loop; {@code switching} is the 101's head as bytes, written
     * from {@code client}, the context of the client's HTTP codec (around its encoder);
     * {@code proxy} is the client pipeline's proxy handler.
     */
    static void splice(ChannelHandlerContext client, Channel upstream, ByteBuf switching, ChannelHandler proxy,
            java.time.Duration webSocketIdle) {
        upstream.config().setAutoRead(false); // nothing may overtake the 101
        client.writeAndFlush(switching).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                upstream.close();
                client.close();
                return;
            }
            upstream.pipeline().get(UpstreamHandler.class).unbind();
            // Relays first: a codec removed after them hands what it already buffered to the relay.
            Relay.splice(client.channel(), upstream);
            upstream.pipeline().remove(UpstreamPools.HANDLER);
            upstream.pipeline().remove(UpstreamPools.ENCODER);
            // An open tunnel gets its own idle limit (no traffic either way), not the HTTP keep-alive one.
            client.pipeline().replace(HttpIngressInitializer.IDLE, HttpIngressInitializer.IDLE,
                    new IdleStateHandler(0, 0, webSocketIdle.toMillis(), TimeUnit.MILLISECONDS));
            client.pipeline().remove(HttpIngressInitializer.HEADER_TIMEOUT);
            client.pipeline().remove(proxy);
            client.pipeline().remove(Http1ServerCodec.ENCODER);
            // The decoders go once no encoder is left on either side: each hands on what it buffered after the
            // handshake (the machine's first frames may have come with its 101), and an HTTP encoder would refuse raw bytes.
            upstream.pipeline().remove(UpstreamPools.CODEC);
            client.pipeline().remove(HttpIngressInitializer.CODEC);
            upstream.config().setAutoRead(true);
            client.channel().config().setAutoRead(true);
        });
    }
}

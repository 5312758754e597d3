package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.H2cConnections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;

/**
 * HTTP/1.1 clients of a route whose machine speaks only HTTP/2 (h2c, gRPC servers): each
 * exchange is one HTTP/2 stream on the client connection's h2c connection to the machine, with
 * netty's frame/object codec between, so the proxy handler sends and receives the same HTTP/1
 * objects as over a pooled connection (trailers included; connection-specific headers are not
 * carried over HTTP/2). A stream serves one exchange and is closed after it (a reset if unfinished).
 * Threading: the client connection's event loop.
 */
final class H2cStreams implements UpstreamSource {
    private final Channel client;
    private final H2cConnections connections;

    H2cStreams(Channel client, H2cConnections connections) {
        this.client = client;
        this.connections = connections;
    }

    @Override
    public Future<Channel> acquire(InetSocketAddress upstream) {
        Promise<Channel> acquired = client.eventLoop().newPromise();
        connections.openStream(upstream, new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false); // as a pooled connection: the proxy reads once it is bound
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false))
                        .addLast(new DropConversionHeaders())
                        .addLast(UpstreamPools.HANDLER, new UpstreamHandler(null));
            }
        }).addListener((Future<Http2StreamChannel> f) -> {
            if (f.isSuccess()) {
                acquired.setSuccess(f.getNow());
            } else {
                acquired.setFailure(f.cause());
            }
        });
        return acquired;
    }

    @Override
    public void release(InetSocketAddress upstream, Channel stream, boolean reusable) {
        stream.close(); // a stream is never reused; closing an unfinished one resets it
    }

    /** netty's conversion adds {@code x-http2-*} fields (stream id, scheme) to responses; they are not the machine's. */
    private static final class DropConversionHeaders extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse response) {
                for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
                    response.headers().remove(name.text());
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}

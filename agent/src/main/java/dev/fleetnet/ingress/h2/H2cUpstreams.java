package dev.fleetnet.ingress.h2;

import dev.fleetnet.ingress.http.Http1Streams;
import dev.fleetnet.ingress.http.IngressContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The h2c connections of one client connection: at most one per machine address, opened on the
 * client's event loop through the shared connector (so a stopped machine's connections close),
 * each carrying that client's streams to the machine; closed with the client connection.
 * Threading: the client connection's event loop only.
 */
final class H2cUpstreams {
    private final Channel client;
    private final IngressContext ingress;
    private final Map<InetSocketAddress, Future<Channel>> byAddress = new HashMap<>();

    H2cUpstreams(Channel client, IngressContext ingress) {
        this.client = client;
        this.ingress = ingress;
        client.closeFuture().addListener(f -> closeAll());
    }

    /** Opens a stream to {@code upstream} with {@code handler} as its pipeline, connecting first if needed. */
    Future<Http2StreamChannel> openStream(InetSocketAddress upstream, ChannelHandler handler) {
        Promise<Http2StreamChannel> promise = client.eventLoop().newPromise();
        connection(upstream).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
            } else {
                new Http2StreamChannelBootstrap(f.getNow()).handler(handler).open(promise);
            }
        });
        return promise;
    }

    private Future<Channel> connection(InetSocketAddress upstream) {
        Future<Channel> existing = byAddress.get(upstream);
        if (existing != null && (!existing.isDone() || existing.isSuccess() && existing.getNow().isActive())) {
            return existing;
        }
        Promise<Channel> promise = client.eventLoop().newPromise();
        byAddress.put(upstream, promise);
        int maxHeaderList = ingress.config().maxHeaderBytes();
        ChannelFuture connect = Http1Streams.connector(ingress).connect(client.eventLoop(), upstream, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(maxHeaderList))
                                // Streams past the machine's concurrency limit wait instead of failing.
                                .encoderEnforceMaxConcurrentStreams(true)
                                .build())
                        .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            }
        });
        connect.addListener(f -> {
            if (f.isSuccess()) {
                connect.channel().config().setAutoRead(true); // flow control is per stream, in the child channels
                promise.setSuccess(connect.channel());
            } else {
                promise.setFailure(f.cause());
            }
        });
        return promise;
    }

    private void closeAll() {
        for (Future<Channel> f : byAddress.values()) {
            f.addListener(done -> {
                if (done.isSuccess()) {
                    ((Channel) done.getNow()).close();
                }
            });
        }
        byAddress.clear();
    }
}

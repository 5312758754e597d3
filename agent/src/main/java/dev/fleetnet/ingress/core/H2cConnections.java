package dev.fleetnet.ingress.core;

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
 * each carrying that client's streams to the machine; closed with the client connection. Used by
 * the HTTP/2 front-end and by HTTP/1.1 clients of routes whose machine speaks h2c.
 * Threading: the client connection's event loop only.
 */
public final class H2cConnections {
    private final Channel client;
    private final UpstreamConnector connector;
    private final int maxHeaderList;
    private final Map<InetSocketAddress, Future<Channel>> byAddress = new HashMap<>();

    /** {@code maxHeaderList}: the largest response header list accepted from a machine, in bytes. */
    public H2cConnections(Channel client, UpstreamConnector connector, int maxHeaderList) {
        this.client = client;
        this.connector = connector;
        this.maxHeaderList = maxHeaderList;
        client.closeFuture().addListener(f -> closeAll());
    }

    /** Opens a stream to {@code upstream} with {@code handler} as its pipeline, connecting first if needed. */
    public Future<Http2StreamChannel> openStream(InetSocketAddress upstream, ChannelHandler handler) {
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
        ChannelFuture connect = connector.connect(client.eventLoop(), upstream, new ChannelInitializer<Channel>() {
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

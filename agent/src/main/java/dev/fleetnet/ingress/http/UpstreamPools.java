package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.UpstreamConnector;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link UpstreamPool} per event loop, so a client connection and its upstream share a thread. */
final class UpstreamPools {
    /** The response reader; the request encoder is {@link #ENCODER}. */
    static final String CODEC = "upstream-codec";
    static final String ENCODER = "upstream-encoder";
    static final String HANDLER = "upstream-handler";
    private final IngressConfig config;
    private final UpstreamConnector connector;
    private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    UpstreamPools(IngressConfig config, UpstreamConnector connector) {
        this.config = config;
        this.connector = connector;
    }

    UpstreamConnector connector() {
        return connector;
    }

    UpstreamPool on(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, connector, httpClient(), config.upstreamPoolSizePerMachine(),
                config.upstreamAcquireTimeout()));
    }

    private ChannelInitializer<SocketChannel> httpClient() {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ResponseReader reader = new ResponseReader(config.maxInitialLineBytes() + config.maxHeaderBytes());
                ch.pipeline().addLast(CODEC, reader)
                        .addLast(ENCODER, new HttpRequestEncoder())
                        .addLast(HANDLER, new UpstreamHandler(reader));
            }
        };
    }
}

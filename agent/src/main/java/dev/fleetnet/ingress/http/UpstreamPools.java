package dev.fleetnet.ingress.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link UpstreamPool} per event loop, so a client connection and its upstream share a thread. */
final class UpstreamPools {
    static final String CODEC = "upstream-codec";
    static final String HANDLER = "upstream-handler";
    private final IngressConfig config;
    private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    UpstreamPools(IngressConfig config) {
        this.config = config;
    }

    UpstreamPool on(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, bootstrap(l), config.upstreamPoolSizePerMachine(),
                config.upstreamAcquireTimeout()));
    }

    /** Closes every upstream connection to a machine address, on every loop. */
    void closeAll(String address) {
        for (UpstreamPool pool : pools.values()) {
            pool.loop().execute(() -> pool.closeAll(address));
        }
    }

    private Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap().group(loop).channel(Transports.channel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.upstreamConnectTimeout().toMillis())
                .option(ChannelOption.AUTO_READ, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(CODEC, new HttpClientCodec(config.maxInitialLineBytes(),
                                config.maxHeaderBytes(), 64 * 1024));
                        ch.pipeline().addLast(HANDLER, new UpstreamHandler());
                    }
                });
    }
}

package dev.fleetnet.ingress.core;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes connections beyond the configured maximum, in all and per client address, as soon as
 * they are accepted: one client cannot take the edge's connections from everyone else.
 * Shared by every event loop and every listener (HTTP, TLS, and the raw front-ends to come);
 * the counters are the only state.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private final int max;
    private final int maxPerClient;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max, int maxPerClient) {
        this.max = max;
        this.maxPerClient = maxPerClient;
    }

    public int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int total = open.incrementAndGet();
        InetAddress client = client(ctx);
        int mine = client == null ? 0 : perClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
        if (total > max || mine > maxPerClient) {
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        InetAddress client = client(ctx);
        if (client != null) {
            perClient.computeIfPresent(client, (c, n) -> n.decrementAndGet() == 0 ? null : n);
        }
        ctx.fireChannelInactive();
    }

    private static InetAddress client(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }
}

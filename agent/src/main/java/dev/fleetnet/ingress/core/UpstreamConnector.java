package dev.fleetnet.ingress.core;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens connections to machines for every front-end, on the caller's event loop (a client
 * connection and its upstream share a thread, so relaying needs no lock), and keeps every open
 * one by machine address: when a machine stops, moves or goes away, {@link #closeAll} closes
 * each connection to it, whichever protocol opened it (pooled HTTP, WebSocket tunnels, raw relays).
 * Long-lived connections (stream relays, WebSocket tunnels) are also kept by the explicit route
 * they went through, so removing or retargeting that route closes them ({@link #closeRoute}).
 */
public final class UpstreamConnector implements OpenConnections {
    private final Duration connectTimeout;
    private final Map<String, ChannelGroup> byAddress = new ConcurrentHashMap<>();
    private final Map<String, ChannelGroup> byRoute = new ConcurrentHashMap<>();

    public UpstreamConnector(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /**
     * Connects to {@code upstream} on {@code loop} with {@code initializer} as the pipeline.
     * The channel starts reading only when the caller turns auto-read on (or calls read()), so
     * nothing arrives before the caller is ready to relay it.
     */
    public ChannelFuture connect(EventLoop loop, InetSocketAddress upstream, ChannelHandler initializer) {
        ChannelFuture future = Transports.client(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .handler(initializer)
                .connect(upstream);
        Channel channel = future.channel();
        String address = upstream.getHostString();
        // A group drops a channel by itself when it closes; a group already closed by closeAll
        // (stayClosed) closes a connection that raced with the stop instead of keeping it.
        byAddress.computeIfAbsent(address, a -> new DefaultChannelGroup("upstream " + a, GlobalEventExecutor.INSTANCE, true))
                .add(channel);
        return future;
    }

    /** Closes every connection, idle or busy, of any protocol, to {@code machineAddress}. */
    @Override
    public void closeAll(String machineAddress) {
        ChannelGroup group = byAddress.remove(machineAddress);
        if (group != null) {
            group.close();
        }
    }

    /**
     * Keeps {@code channel} (a connection to a machine) under the explicit route it serves, until
     * it closes. Implicit routes ({@code machine:…}) and none are not kept: only a machine's
     * lifecycle ends them.
     */
    public void bindRoute(IngressObserver.RouteLabel route, Channel channel) {
        if (!route.explicit()) {
            return;
        }
        String key = OpenConnections.routeKey(route.protocol(), route.route());
        byRoute.computeIfAbsent(key, k -> new DefaultChannelGroup("route " + k, GlobalEventExecutor.INSTANCE, true)).add(channel);
        // no empty group outlives its last connection, so routes that come and go leave nothing behind
        channel.closeFuture().addListener(f -> byRoute.computeIfPresent(key, (k, group) -> group.isEmpty() ? null : group));
    }

    @Override
    public void closeRoute(String protocol, String routeKey) {
        ChannelGroup group = byRoute.remove(OpenConnections.routeKey(protocol, routeKey));
        if (group != null) {
            group.close();
        }
    }

    /** Open long-lived connections under an explicit route, for tests and status. */
    public int openOnRoute(String protocol, String routeKey) {
        ChannelGroup group = byRoute.get(OpenConnections.routeKey(protocol, routeKey));
        return group == null ? 0 : group.size();
    }

    /** Open connections to {@code machineAddress}, for tests and status. */
    public int open(String machineAddress) {
        ChannelGroup group = byAddress.get(machineAddress);
        return group == null ? 0 : group.size();
    }
}

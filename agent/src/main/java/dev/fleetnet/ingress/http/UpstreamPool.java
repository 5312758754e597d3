package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keep-alive upstream connections of one event loop, at most {@code maxPerUpstream} open or
 * still connecting per machine address and port; callers past the bound wait for a released
 * connection. Threading: every method runs on {@link #loop}, so no field needs a lock.
 */
final class UpstreamPool implements UpstreamSource {
    private final EventLoop loop;
    private final UpstreamConnector connector;
    private final ChannelHandler initializer;
    private final int maxPerUpstream;
    /** How long a request waits for a connection when the pool is full. */
    private final java.time.Duration acquireTimeout;
    private final Map<InetSocketAddress, Deque<Channel>> idle = new HashMap<>();
    private final Map<InetSocketAddress, Set<Channel>> open = new HashMap<>();
    /** Connections opened and not yet connected, per upstream: they count toward the bound as the open ones do. */
    private final Map<InetSocketAddress, Integer> connecting = new HashMap<>();
    private final Map<InetSocketAddress, Deque<Promise<Channel>>> waiting = new HashMap<>();

    /** New connections are opened through {@code connector} on {@code loop} with {@code initializer} as their pipeline. */
    UpstreamPool(EventLoop loop, UpstreamConnector connector, ChannelHandler initializer, int maxPerUpstream,
            java.time.Duration acquireTimeout) {
        this.acquireTimeout = acquireTimeout;
        this.loop = loop;
        this.connector = connector;
        this.initializer = initializer;
        this.maxPerUpstream = maxPerUpstream;
    }

    EventLoop loop() {
        return loop;
    }

    @Override
    public Future<Channel> acquire(InetSocketAddress upstream) {
        assert loop.inEventLoop();
        Promise<Channel> promise = loop.newPromise();
        Channel ready = pollIdle(upstream);
        if (ready != null) {
            return promise.setSuccess(ready);
        }
        Set<Channel> channels = open.computeIfAbsent(upstream, k -> new HashSet<>());
        if (full(upstream, channels)) {
            Deque<Promise<Channel>> queue = waiting.computeIfAbsent(upstream, k -> new ArrayDeque<>());
            queue.addLast(promise);
            loop.schedule(() -> {
                if (promise.tryFailure(new PoolExhaustedException(upstream, maxPerUpstream, acquireTimeout))) {
                    queue.remove(promise);
                }
            }, acquireTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return promise;
        }
        connect(upstream, channels, promise);
        return promise;
    }

    @Override
    public Channel pollIdle(InetSocketAddress upstream) {
        assert loop.inEventLoop();
        Deque<Channel> free = idle.get(upstream);
        while (free != null && !free.isEmpty()) {
            Channel channel = free.pollFirst();
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /** Returns a connection after an exchange; {@code reusable} only if its last response ended cleanly. */
    @Override
    public void release(InetSocketAddress upstream, Channel channel, boolean reusable) {
        assert loop.inEventLoop();
        if (!reusable || !channel.isActive()) {
            channel.close();
            return;
        }
        Deque<Promise<Channel>> queue = waiting.get(upstream);
        while (queue != null && !queue.isEmpty()) {
            Promise<Channel> next = queue.pollFirst();
            if (next.trySuccess(channel)) {
                return;
            }
        }
        idle.computeIfAbsent(upstream, k -> new ArrayDeque<>()).addFirst(channel);
    }

    int openConnections(InetSocketAddress upstream) {
        return open.getOrDefault(upstream, Set.of()).size();
    }

    /** Open and connecting connections to {@code upstream} are at the bound. */
    private boolean full(InetSocketAddress upstream, Set<Channel> channels) {
        return channels.size() + connecting.getOrDefault(upstream, 0) >= maxPerUpstream;
    }

    private void connect(InetSocketAddress upstream, Set<Channel> channels, Promise<Channel> promise) {
        connecting.merge(upstream, 1, Integer::sum);
        connector.connect(loop, upstream, initializer).addListener((ChannelFutureListener) f -> {
            connecting.computeIfPresent(upstream, (k, n) -> n == 1 ? null : n - 1);
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                serveNextWaiter(upstream);
                return;
            }
            Channel channel = f.channel();
            channels.add(channel);
            channel.closeFuture().addListener(closed -> {
                channels.remove(channel);
                Deque<Channel> free = idle.get(upstream);
                if (free != null) {
                    free.remove(channel);
                }
                serveNextWaiter(upstream);
            });
            if (!promise.trySuccess(channel)) {
                release(upstream, channel, true);
            }
        });
    }

    private void serveNextWaiter(InetSocketAddress upstream) {
        Deque<Promise<Channel>> queue = waiting.get(upstream);
        if (queue == null || queue.isEmpty()) {
            return;
        }
        Set<Channel> channels = open.computeIfAbsent(upstream, k -> new HashSet<>());
        if (!full(upstream, channels)) {
            connect(upstream, channels, queue.pollFirst());
        }
    }

    /** No connection of a full pool came free in time: the machine is saturated, the client gets 503. */
    static final class PoolExhaustedException extends Exception {
        private static final long serialVersionUID = 1L;

        PoolExhaustedException(InetSocketAddress upstream, int max, java.time.Duration waited) {
            super("all " + max + " connections to " + upstream + " busy for " + waited.toMillis() + " ms", null, false, false);
        }
    }
}

package dev.fleetnet.ingress.core;

import dev.fleetnet.ingress.core.IngressObserver.ConnectionRecord;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.StreamRoute;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of every stream front-end (TCP, TLS passthrough): connects a client channel to a
 * route's machine through the {@link UpstreamConnector} (so a stopped machine's relays close),
 * sends a PROXY v2 header first when the route asks, then whatever the front-end already read
 * (the ClientHello), and splices the two with an idle limit. Reports to the {@link IngressObserver}.
 */
public final class StreamRelay {
    private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);
    static final String PENDING = "stream-pending";
    static final String IDLE = "stream-idle";
    private final UpstreamConnector connector;
    private final IngressObserver observer;
    private final Duration idleTimeout;

    public StreamRelay(UpstreamConnector connector, IngressObserver observer, Duration idleTimeout) {
        this.connector = connector;
        this.observer = observer == null ? IngressObserver.NONE : observer;
        this.idleTimeout = idleTimeout;
    }

    public static RouteLabel label(StreamRoute route) {
        return RouteLabel.of(route);
    }

    /**
     * Relays {@code client} to the least busy of {@code candidates}. Call on the client's event
     * loop with nothing after the caller's handlers that still decodes; bytes the client sends
     * until the machine answers (or that the caller fires on removing its handler) are held and
     * sent after the PROXY header.
     */
    public void relay(Channel client, StreamRoute route, List<MachineEntry> candidates, String serverName) {
        client.config().setAutoRead(false);
        // A client that sends and then half-closes (socat, nc -N, HTTP/1.0 clients) must not lose its
        // connection: its FIN becomes an event the relay passes on, not a close.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        RouteLabel label = label(route);
        observer.connectionOpened(label);
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        MachineEntry machine = candidates.getFirst();
        for (MachineEntry m : candidates) {
            if (connector.open(m.address()) < connector.open(machine.address())) {
                machine = m;
            }
        }
        Pending pending = new Pending();
        client.pipeline().addLast(PENDING, pending);
        Counter counter = new Counter();
        String machineName = machine.name();
        InetSocketAddress address = new InetSocketAddress(machine.address(), route.port());
        ChannelFuture connect = connector.connect(client.eventLoop(), address, counter);
        connector.bindRoute(label, connect.channel()); // the relay ends with its route, not only its machine
        long[] connectNanos = {0};
        String[] outcome = {"closed"};
        client.closeFuture().addListener(f -> {
            connect.channel().close();
            pending.release();
            observer.connectionClosed(new ConnectionRecord(startMillis, String.valueOf(client.remoteAddress()), serverName,
                    label, machineName, counter.toMachine, counter.fromMachine, System.nanoTime() - start, connectNanos[0],
                    outcome[0]));
        });
        connect.addListener((ChannelFutureListener) f -> {
            connectNanos[0] = System.nanoTime() - start;
            if (!f.isSuccess()) {
                log.info("{}: connecting {} to {} [{}]:{} failed: {}{}", label.route(), client.remoteAddress(), machineName,
                        address.getHostString(), address.getPort(), f.cause() == null ? "cancelled" : f.cause().toString(),
                        client.isActive() ? "" : " (the client had gone)");
                outcome[0] = "upstream connect failed";
                observer.upstreamConnectFailed(label);
                reset(client);
                return;
            }
            Channel upstream = f.channel();
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            if (route.proxyProtocol()) {
                counter.header = true;
                upstream.write(Unpooled.wrappedBuffer(ProxyV2.header((InetSocketAddress) client.remoteAddress(),
                        (InetSocketAddress) client.localAddress())));
            }
            for (Object held : pending.drain()) {
                upstream.write(held);
            }
            if (pending.inputShutdown && upstream instanceof DuplexChannel duplex) { // the client already sent its FIN
                upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> duplex.shutdownOutput());
            }
            client.pipeline().remove(PENDING);
            client.pipeline().addLast(IDLE, new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
            Relay.splice(client, upstream);
            upstream.flush();
            if (!pending.inputShutdown) { // a channel whose input is shut down fails (and closes) when asked to read
                client.config().setAutoRead(true);
            }
            upstream.config().setAutoRead(true);
        });
    }

    /** Closes {@code channel} with a TCP reset (SO_LINGER 0): the client learns at once that nobody serves it. */
    public static void reset(Channel channel) {
        try {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // a channel already closed has no socket options: closing is all that is left
        }
        channel.close();
    }

    /** Holds what the client sends before the machine's connection is up. Event loop only. */
    private static final class Pending extends ChannelInboundHandlerAdapter {
        private final List<Object> held = new ArrayList<>();
        boolean inputShutdown;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            held.add(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShutdown = true;
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        List<Object> drain() {
            List<Object> out = new ArrayList<>(held);
            held.clear();
            return out;
        }

        void release() {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
    }

    /** Counts bytes to and from the machine on the upstream channel (the PROXY header excluded). Event loop only. */
    private static final class Counter extends ChannelDuplexHandler {
        long toMachine;
        long fromMachine;
        boolean header;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // the machine's FIN, too, is passed on to the client rather than ending both directions
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            fromMachine += size(msg);
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (header) {
                header = false; // the first write is the PROXY header
            } else {
                toMachine += size(msg);
            }
            ctx.write(msg, promise);
        }

        private static long size(Object msg) {
            return msg instanceof ByteBuf b ? b.readableBytes() : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
        }
    }

    /**
     * Reports a connection the ingress accepted for {@code route} and refused before connecting
     * anywhere (its machine is not running): counted, one access-log line with no machine.
     */
    public static void refused(IngressObserver observer, Channel client, String serverName, StreamRoute route, String reason) {
        observer.connectionOpened(label(route));
        observer.upstreamConnectFailed(label(route));
        observer.connectionClosed(new IngressObserver.ConnectionRecord(System.currentTimeMillis(),
                String.valueOf(client.remoteAddress()), serverName, label(route), "", 0, 0, 0, 0, "refused: " + reason));
    }
}

package dev.fleetnet.ingress.tcp;

import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.Transports;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of TCP routes on one host: one per public port the current table gives this
 * host, bound and closed by {@link #apply} as views change. A port that fails to bind is logged
 * with the reason and tried again on the next apply (the next view or resync). Each accepted
 * connection is resolved at accept time, so a port's route may change target without a rebind.
 */
public final class TcpIngress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpIngress.class);
    private final String hostName;
    private final InetAddress bindAddress;
    private final IngressRoutes routes;
    private final EventLoopGroup group;
    private final ConnectionLimiter limiter;
    private final StreamRelay relay;
    private final IngressObserver observer;
    /** The writer's thread only (the agent's ingress thread). */
    private final Map<Integer, Channel> listeners = new HashMap<>();

    /** What the TCP listeners of a host run with. */
    public record Config(String hostName, InetAddress bindAddress) {}

    public TcpIngress(Config config, IngressRoutes routes, EventLoopGroup group, ConnectionLimiter limiter, StreamRelay relay,
            IngressObserver observer) {
        this.hostName = config.hostName();
        this.bindAddress = config.bindAddress();
        this.routes = routes;
        this.group = group;
        this.limiter = limiter;
        this.relay = relay;
        this.observer = observer == null ? IngressObserver.NONE : observer;
    }

    /**
     * Listens on exactly the public ports the current table gives this host: binds the missing
     * (again those that failed before), closes the ones no route holds any more (their open
     * relays go on until their machine stops or they end). Idempotent; the writer's thread only.
     */
    public Result apply() {
        Set<Integer> wanted = routes.current().tcpPorts(hostName);
        Set<Integer> bound = new TreeSet<>();
        Set<Integer> closed = new TreeSet<>();
        Map<Integer, String> failed = new HashMap<>();
        for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.contains(e.getKey()) || !e.getValue().isActive()) {
                e.getValue().close().syncUninterruptibly();
                it.remove();
                if (!wanted.contains(e.getKey())) {
                    closed.add(e.getKey());
                }
            }
        }
        for (int port : wanted) {
            if (listeners.containsKey(port)) {
                continue;
            }
            InetSocketAddress address = new InetSocketAddress(bindAddress, port);
            try {
                listeners.put(port, bind(address));
                bound.add(port);
                log.info("tcp ingress: listening on {} for route tcp/{}", address, port);
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                failed.put(port, reason);
                log.warn("tcp ingress: cannot listen on {} for route tcp/{}: {} (trying again on the next view)", address, port,
                        reason);
            }
        }
        for (int port : closed) {
            log.info("tcp ingress: stopped listening on port {} (no route)", port);
        }
        return new Result(bound, closed, failed);
    }

    /** What one {@link #apply} did: ports bound, closed, and failed with the reason. */
    public record Result(Set<Integer> bound, Set<Integer> closed, Map<Integer, String> failed) {
        public boolean none() {
            return bound.isEmpty() && closed.isEmpty() && failed.isEmpty();
        }
    }

    /** The ports listened on now, for status and tests. */
    public Set<Integer> ports() {
        return new TreeSet<>(listeners.keySet());
    }

    private Channel bind(InetSocketAddress address) throws InterruptedException {
        return Transports.server(group)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("limiter", limiter)
                                .addLast("tcp-route", new TcpFrontEndHandler(routes, relay, observer));
                    }
                })
                .bind(address).sync().channel();
    }

    @Override
    public void close() {
        listeners.values().forEach(c -> c.close().syncUninterruptibly());
        listeners.clear();
    }
}

package dev.fleetnet.bench;

import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * fleetnet's HTTP ingress alone, for {@code bench/ingress}: {@code web.bench.test} routes to
 * one machine at 127.0.0.1:UPSTREAM_PORT. Args: LISTEN_PORT UPSTREAM_PORT EVENT_LOOP_THREADS.
 */
public final class IngressBenchServer {
    private IngressBenchServer() {}

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("bench.test", upstream)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstream), "", Set.of(upstream))));
        EventLoopGroup group = Transports.group(threads);
        HttpIngressServer server = HttpIngressServer.start(config, routes, group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listen));
        System.out.println("fleetnet ingress on " + server.address() + " (epoll: " + Transports.epoll() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.shutdownGracefully();
        }));
        Thread.currentThread().join();
    }
}

package dev.fleetnet.bench;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.tcp.TcpIngress;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.StreamRoute;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * fleetnet's TCP route front-end alone, for {@code bench/tcp}: public port PUBLIC_PORT on
 * loopback relays to a "machine" at 127.0.0.1:UPSTREAM_PORT, through the same TcpIngress,
 * StreamRelay and UpstreamConnector the agent runs. Args: PUBLIC_PORT UPSTREAM_PORT EVENT_LOOP_THREADS.
 */
public final class TcpBenchServer {
    private TcpBenchServer() {}

    public static void main(String[] args) throws Exception {
        dev.fleetnet.ingress.core.Transports.leakDetectionOffUnlessAsked(); // as the agent runs
        int publicPort = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        EventLoopGroup group = Transports.group(Integer.parseInt(args[2]));
        UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(5));
        IngressRoutes routes = IngressRoutes.empty(new IngressNaming("bench.test", upstream));
        StreamRoute route = StreamRoute.tcp(publicPort, "sink", false, upstream, "sink", false, List.of());
        new IngressUpdater(routes, connector).apply(new IngressState(
                Map.of("sink", new MachineEntry("sink", "127.0.0.1", true, Set.of(upstream), "", Set.of(upstream))), Map.of(),
                Map.of(route.key(), route)));
        TcpIngress tcp = new TcpIngress(new TcpIngress.Config("bench", InetAddress.getLoopbackAddress()), routes, group,
                new ConnectionLimiter(10_000, 10_000), new StreamRelay(connector, IngressObserver.NONE, Duration.ofMinutes(5)),
                IngressObserver.NONE);
        System.out.println("fleetnet tcp route " + tcp.apply().bound() + " -> 127.0.0.1:" + upstream + " (epoll: " + Transports.epoll() + ")");
        Thread.currentThread().join();
    }
}

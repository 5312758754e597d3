package dev.fleetnet.bench;

import dev.fleetnet.agent.dns.DnsConfig;
import dev.fleetnet.agent.dns.DnsDirectory;
import dev.fleetnet.agent.dns.DnsMachine;
import dev.fleetnet.agent.dns.DnsServer;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.ingress.core.Transports;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * fleetnet's DNS server alone, for {@code bench/dns}: a fleet of MACHINES machines over APPS apps
 * in network 1 on four hosts, answered on [LISTEN]:PORT. It also writes the same names as a hosts
 * file for dnsmasq ({@code WORKDIR/hosts}) and the dnsperf query file ({@code WORKDIR/queries}:
 * every machine name once, plus one unknown name per ten machines, shuffled), so both servers
 * answer exactly the same questions. Args: LISTEN PORT MACHINES APPS EVENT_LOOP_THREADS WORKDIR.
 */
public final class DnsBenchServer {
    private static final int HOSTS = 4;

    private DnsBenchServer() {}

    public static void main(String[] args) throws Exception {
        dev.fleetnet.ingress.core.Transports.leakDetectionOffUnlessAsked(); // as the agent runs
        if (args.length != 6) {
            System.err.println("usage: DnsBenchServer LISTEN PORT MACHINES APPS EVENT_LOOP_THREADS WORKDIR (got " + args.length + " args)");
            System.exit(2);
        }
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        int machines = Integer.parseInt(args[2]);
        int apps = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        Path work = Path.of(args[5]);

        List<DnsMachine> fleet = fleet(machines, apps);
        writeHostsAndQueries(fleet, work);
        EventLoopGroup group = Transports.group(threads);
        DnsServer server = DnsServer.start(new DnsConfig(listen, List.of(), Duration.ofSeconds(5)), group);
        server.update(new DnsDirectory(1, "host-1", fleet));
        System.out.println("fleetnet DNS on " + server.address() + " (" + machines + " machines, " + apps + " apps, "
                + threads + " event loop threads, epoll: " + Transports.epoll() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.shutdownGracefully();
        }));
        Thread.currentThread().join();
    }

    static List<DnsMachine> fleet(int machines, int apps) {
        List<DnsMachine> fleet = new ArrayList<>(machines);
        for (int i = 0; i < machines; i++) {
            int host = i % HOSTS + 1;
            fleet.add(new DnsMachine(String.format("m-%04d", i + 1), String.format("app-%02d", i % apps + 1),
                    AddressPlan.machineAddress(1, host, i / HOSTS + 1), 1, "host-" + host, true));
        }
        return fleet;
    }

    private static void writeHostsAndQueries(List<DnsMachine> fleet, Path work) throws IOException {
        List<String> hosts = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        for (DnsMachine m : fleet) {
            hosts.add(m.address() + " " + m.name() + ".internal");
            queries.add(m.name() + ".internal AAAA");
        }
        for (int i = 0; i < fleet.size() / 10; i++) {
            queries.add(String.format("nx-%04d.internal AAAA", i + 1));
        }
        Collections.shuffle(queries, new Random(1));
        Files.write(work.resolve("hosts"), hosts);
        // Written last and renamed into place: the script waits for this file.
        Path tmp = work.resolve("queries.tmp");
        Files.write(tmp, queries);
        Files.move(tmp, work.resolve("queries"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

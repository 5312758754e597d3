package dev.fleetnet.bench;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.observe.IngressMetrics;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * fleetnet's ingress alone, for {@code bench/ingress}: {@code web.bench.test} routes to one
 * machine at 127.0.0.1:UPSTREAM_PORT over cleartext HTTP on LISTEN_PORT. Args: LISTEN_PORT
 * UPSTREAM_PORT EVENT_LOOP_THREADS [TLS_PORT CERT_PEM KEY_PEM [HOSTNAME...]]: with the TLS
 * arguments it also terminates TLS on TLS_PORT, serving the PEM chain and PKCS#8 key (as an
 * uploaded certificate) for {@code web.bench.test} and for each extra HOSTNAME, and each extra
 * HOSTNAME gets an explicit route to the same machine (the bench uses {@code localhost}, a
 * name wrk can resolve and send as SNI). Requests are counted in the ingress metrics, as in the
 * agent; there is no access log (the peers in the bench log nothing either).
 */
public final class IngressBenchServer {
    private IngressBenchServer() {}

    public static void main(String[] args) throws Exception {
        dev.fleetnet.ingress.core.Transports.leakDetectionOffUnlessAsked(); // as the agent runs
        int listen = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("bench.test", upstream)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstream), "", Set.of(upstream))));
        CertificateStore certificates = new CertificateStore(ServerSslContexts.preferred());
        InetSocketAddress tls = null;
        if (args.length > 3) {
            tls = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[3]));
            String chain = Files.readString(Path.of(args[4]));
            String key = Files.readString(Path.of(args[5]));
            List<String> hostnames = new ArrayList<>(List.of("web.bench.test"));
            for (int i = 6; i < args.length; i++) {
                hostnames.add(args[i]);
                routes.swap(routes.current().withRoute(new RouteSpec(args[i], "/", "web", false, upstream, "web", false, 0, false)));
            }
            List<Certificate> served = new ArrayList<>();
            for (String hostname : hostnames) {
                served.add(Certificate.newBuilder().setHostname(hostname).setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED)
                        .setCertificateChainPem(chain).setPrivateKeyPem(key)
                        .setInfo(CertificateInfo.newBuilder().setHostname(hostname)
                                .setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED))
                        .build());
            }
            CertificateStore.Changes changes = certificates.apply(served, List.of());
            if (changes.failed() > 0) {
                throw new IllegalStateException("bench certificate not usable: " + changes);
            }
        }
        EventLoopGroup group = Transports.group(threads);
        // as the agent runs it: every request counted in the metrics (the access log is off, as on the peers)
        IngressMetrics metrics = new IngressMetrics();
        HttpIngressServer server = HttpIngressServer.start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()),
                group, new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), tls, certificates, metrics);
        System.out.println("fleetnet ingress on " + server.address()
                + (tls == null ? "" : ", TLS on " + server.tlsAddress() + " with " + certificates.factory().describe())
                + " (epoll: " + Transports.epoll() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.shutdownGracefully();
        }));
        Thread.currentThread().join();
    }
}

package dev.fleetnet.bench;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * fleetnet's ingress with its TLS listener, for {@code bench/h2}: {@code localhost} over
 * TLS (ALPN h2) routes to one HTTP/1.1 machine at 127.0.0.1:UPSTREAM_PORT.
 * Args: TLS_PORT UPSTREAM_PORT EVENT_LOOP_THREADS CERT_PEM KEY_PEM.
 */
public final class H2BenchServer {
    private H2BenchServer() {}

    public static void main(String[] args) throws Exception {
        dev.fleetnet.ingress.core.Transports.leakDetectionOffUnlessAsked(); // as the agent runs
        int tlsPort = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        Certificate cert = Certificate.newBuilder().setHostname("localhost").setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED)
                .setCertificateChainPem(Files.readString(Path.of(args[3]))).setPrivateKeyPem(Files.readString(Path.of(args[4]))).build();
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("bench.test", upstream)).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "127.0.0.1", true, Set.of(upstream), "", Set.of(upstream))));
        routes.swap(routes.current().withRoute(new RouteSpec("localhost", "/", "web", false, upstream, "web", false, 0, false)));
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(cert), List.of());
        EventLoopGroup group = Transports.group(threads);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpIngressServer server = HttpIngressServer.start(config, routes, new UpstreamConnector(config.upstreamConnectTimeout()),
                group, new InetSocketAddress(loopback, 0), new InetSocketAddress(loopback, tlsPort), store, H2Options.defaults());
        System.out.println("fleetnet ingress (TLS, h2) on " + server.tlsAddress() + " (" + store.factory().describe() + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.shutdownGracefully();
        }));
        Thread.currentThread().join();
    }
}

package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.DeleteRouteResponse;
import dev.fleetnet.proto.v1.ListRoutesRequest;
import dev.fleetnet.proto.v1.ListRoutesResponse;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import dev.fleetnet.proto.v1.WhoOwnsResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code route add --protocol tcp|tls-passthrough} builds the request; list, who-owns and delete name routes by public port. */
class StreamRouteCommandTest {
    private final List<Route> added = new CopyOnWriteArrayList<>();
    private final List<String> deleted = new CopyOnWriteArrayList<>();
    private final List<WhoOwnsRequest> asked = new CopyOnWriteArrayList<>();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        server = TestTls.serverBuilder()
                .addService(new RouteServiceGrpc.RouteServiceImplBase() {
                    @Override
                    public void addRoute(AddRouteRequest request, StreamObserver<Route> out) {
                        added.add(request.getRoute());
                        out.onNext(request.getRoute());
                        out.onCompleted();
                    }

                    @Override
                    public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> out) {
                        out.onNext(ListRoutesResponse.newBuilder().addAllRoutes(added).build());
                        out.onCompleted();
                    }

                    @Override
                    public void deleteRoute(DeleteRouteRequest request, StreamObserver<DeleteRouteResponse> out) {
                        deleted.add(request.getHostname());
                        out.onNext(DeleteRouteResponse.getDefaultInstance());
                        out.onCompleted();
                    }

                    @Override
                    public void whoOwns(WhoOwnsRequest request, StreamObserver<WhoOwnsResponse> out) {
                        asked.add(request);
                        out.onNext(WhoOwnsResponse.newBuilder().setKind("explicit").setOwner("db").setRoute(added.getFirst())
                                .setPort(5432).setPortListening(true).build());
                        out.onCompleted();
                    }
                }).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "--controller";
        all[1] = "127.0.0.1:" + server.getPort();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = FleetnetCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true), TestTls.env());
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void tcpAndPassthroughRoutesAreAddedListedAskedAndDeletedByPublicPort() {
        run("route", "add", "--public-port", "7000", "--protocol", "tcp", "--machine", "db", "--port", "5432",
                "--on-host", "h1", "--on-host", "h2", "--proxy-protocol");
        run("route", "add", "secure.example.com", "--protocol", "tls-passthrough", "--machine", "db", "--port", "8443");
        run("route", "add", "grpc.example.com", "--machine", "db", "--port", "9000", "--h2c");
        assertThat(added.get(0)).isEqualTo(Route.newBuilder().setProtocol(RouteProtocol.ROUTE_PROTOCOL_TCP).setPublicPort(7000)
                .setMachine("db").setPort(5432).addHosts("h1").addHosts("h2").setProxyProtocol(true).build());
        assertThat(added.get(1).getProtocol()).isEqualTo(RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH);
        assertThat(added.get(1).getPathPrefix()).as("no path for passthrough").isEmpty();
        assertThat(added.get(2).getH2C()).isTrue();
        assertThat(added.get(2).getPathPrefix()).isEqualTo("/");

        String list = run("route", "list");
        assertThat(list.lines().findFirst().orElseThrow()).contains("PROTOCOL").contains("PUBLIC");
        assertThat(list.lines().filter(l -> l.contains("7000")).findFirst().orElseThrow())
                .contains("tcp").contains("7000@h1,h2").contains("proxy-protocol");
        assertThat(list.lines().filter(l -> l.contains("secure.example.com")).findFirst().orElseThrow()).contains("tls-passthrough");
        assertThat(list.lines().filter(l -> l.contains("grpc.example.com")).findFirst().orElseThrow()).contains("http").contains("h2c");

        assertThat(run("route", "who-owns", "--public-port", "7000")).startsWith("db (explicit route tcp/7000 -> db:5432");
        assertThat(asked.getFirst().getPublicPort()).isEqualTo(7000);

        assertThat(run("route", "delete", "--public-port", "7000")).isEqualTo("deleted tcp/7000\n");
        assertThat(deleted).containsExactly("tcp/7000");
    }

    @Test
    void anUnknownProtocolIsRefusedWithTheChoices() {
        StringWriter err = new StringWriter();
        int code = FleetnetCli.run(new String[] {"--controller", "127.0.0.1:" + server.getPort(), "route", "add", "x.example.com",
            "--protocol", "udp", "--machine", "db", "--port", "1"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), TestTls.env());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--protocol: 'udp' (expected: http, tls-passthrough or tcp)");
        assertThat(added).isEmpty();
    }
}

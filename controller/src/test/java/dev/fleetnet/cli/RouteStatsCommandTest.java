package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostRouteCounters;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteCounters;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.RouteStatsRequest;
import dev.fleetnet.proto.v1.RouteStatsResponse;
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

/** {@code route stats}: one row per host that reported the route, or JSON. */
class RouteStatsCommandTest {
    private final List<RouteStatsRequest> asked = new CopyOnWriteArrayList<>();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        server = TestTls.serverBuilder()
                .addService(new RouteServiceGrpc.RouteServiceImplBase() {
                    @Override
                    public void routeStats(RouteStatsRequest request, StreamObserver<RouteStatsResponse> out) {
                        asked.add(request);
                        out.onNext(RouteStatsResponse.newBuilder()
                                .setRoute(Route.newBuilder().setHostname("shop.example.com").setPathPrefix("/api").setMachine("web"))
                                .addHosts(HostRouteCounters.newBuilder().setHost("h1").setReportedAtEpochMillis(System.currentTimeMillis())
                                        .setCounters(RouteCounters.newBuilder().setRoute("shop.example.com/api").setRequests(12)
                                                .putStatusClasses("2xx", 10).putStatusClasses("5xx", 2).setBytesIn(100).setBytesOut(2000)
                                                .setLatencyP50Ms(1.25).setLatencyP99Ms(48)))
                                .build());
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
    void printsATableRowPerHost() {
        String table = run("route", "stats", "shop.example.com", "--path", "/api/x");
        assertThat(asked.get(0).getHostname()).isEqualTo("shop.example.com");
        assertThat(asked.get(0).getPath()).isEqualTo("/api/x");
        assertThat(table).contains("route shop.example.com/api");
        assertThat(table.lines().filter(l -> l.startsWith("HOST")).findFirst().orElseThrow().split("\\s+"))
                .containsExactly("HOST", "REQUESTS", "2xx", "4xx", "5xx", "BYTES_IN", "BYTES_OUT", "OPEN", "P50_MS", "P99_MS", "REPORTED");
        assertThat(table.lines().filter(l -> l.startsWith("h1")).findFirst().orElseThrow().split("\\s+"))
                .startsWith("h1", "12", "10", "0", "2", "100", "2000", "0", "1.3", "48.0");
    }

    @Test
    void printsJsonAndAsksByPublicPort() {
        assertThat(run("route", "stats", "--public-port", "5432", "--json")).contains("\"latency_p99_ms\": 48.0");
        assertThat(asked.get(0).getPublicPort()).isEqualTo(5432);
        assertThat(asked.get(0).getHostname()).isEmpty();
    }
}

package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.GetRouteRequest;
import dev.fleetnet.proto.v1.ListRoutesRequest;
import dev.fleetnet.proto.v1.ListRoutesResponse;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@code route add --redirect-https} sets the route's flag; {@code route list} and {@code route get} show it. */
class RouteCommandTest {
    private final List<Route> added = new CopyOnWriteArrayList<>();

    private String run(int port, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "--controller";
        all[1] = "127.0.0.1:" + port;
        System.arraycopy(args, 0, all, 2, args.length);
        int code = FleetnetCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true), TestTls.env());
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void redirectHttpsIsSetAndShown() throws Exception {
        Server server = TestTls.serverBuilder()
                .addService(new RouteServiceGrpc.RouteServiceImplBase() {
                    @Override
                    public void addRoute(AddRouteRequest request, StreamObserver<Route> out) {
                        added.add(request.getRoute());
                        out.onNext(request.getRoute());
                        out.onCompleted();
                    }

                    @Override
                    public void getRoute(GetRouteRequest request, StreamObserver<Route> out) {
                        out.onNext(added.getLast());
                        out.onCompleted();
                    }

                    @Override
                    public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> out) {
                        out.onNext(ListRoutesResponse.newBuilder().addAllRoutes(added).build());
                        out.onCompleted();
                    }
                }).build().start();
        try {
            int port = server.getPort();
            assertThat(run(port, "route", "add", "shop.example.com", "--machine", "web", "--port", "8080", "--redirect-https"))
                    .contains("redirect-https");
            run(port, "route", "add", "plain.example.com", "--machine", "web", "--port", "8080");
            assertThat(added).extracting(Route::getRedirectHttps).containsExactly(true, false);
            String list = run(port, "route", "list");
            assertThat(list.lines().filter(l -> l.contains("shop.example.com")).findFirst().orElseThrow()).contains("redirect-https");
            assertThat(list.lines().filter(l -> l.contains("plain.example.com")).findFirst().orElseThrow()).doesNotContain("redirect-https");
            assertThat(run(port, "--json", "route", "get", "plain.example.com")).contains("\"redirect_https\": false");
            assertThat(run(port, "route", "get", "plain.example.com")).doesNotContain("redirect-https");
        } finally {
            server.shutdownNow();
        }
    }
}

package dev.fleetnet.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fleetnet.ingress.core.IngressObserver.ConnectionRecord;
import dev.fleetnet.ingress.core.IngressObserver.RequestRecord;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.proto.v1.RouteCounters;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IngressMetricsTest {
    private static final RouteLabel SHOP = new RouteLabel("shop.example.com/", "http", "web1");
    private static final RouteLabel DB = new RouteLabel("tcp/5432", "tcp", "db1");
    private final IngressMetrics metrics = new IngressMetrics();

    private static RequestRecord request(RouteLabel route, int status, long in, long out, long millis) {
        return new RequestRecord(0, "192.0.2.1", "shop.example.com", "GET", "/", route, "web1", status, in, out,
                millis * 1_000_000, 0, "HTTP/1.1");
    }

    private String text() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void countsRequestsByRouteStatusClassAndBytes() throws Exception {
        metrics.request(request(SHOP, 200, 10, 100, 3));
        metrics.request(request(SHOP, 204, 0, 0, 3));
        metrics.request(request(SHOP, 502, 5, 50, 30));
        metrics.request(request(RouteLabel.NONE, 404, 0, 40, 1));
        metrics.upstreamConnectFailed(SHOP);

        String text = text();
        String shop = "owner=\"web1\",protocol=\"http\",route=\"shop.example.com/\"";
        assertThat(text).contains("fleetnet_ingress_requests_total{" + shop + "} 3")
                .contains("fleetnet_ingress_responses_total{" + shop + ",status_class=\"2xx\"} 2")
                .contains("fleetnet_ingress_responses_total{" + shop + ",status_class=\"5xx\"} 1")
                .contains("fleetnet_ingress_received_bytes_total{" + shop + "} 15")
                .contains("fleetnet_ingress_sent_bytes_total{" + shop + "} 150")
                .contains("fleetnet_ingress_upstream_connect_failures_total{" + shop + "} 1")
                .contains("fleetnet_ingress_duration_seconds_count{" + shop + "} 3")
                .contains("fleetnet_ingress_duration_seconds_bucket{" + shop + ",le=\"0.005\"} 2")
                .contains("fleetnet_ingress_requests_total{owner=\"\",protocol=\"http\",route=\"\"} 1");

        List<RouteCounters> reported = metrics.routeCounters();
        assertThat(reported).hasSize(1); // requests no route took are not a route's
        RouteCounters c = reported.get(0);
        assertThat(c.getRoute()).isEqualTo("shop.example.com/");
        assertThat(c.getProtocol()).isEqualTo(RouteProtocol.ROUTE_PROTOCOL_HTTP);
        assertThat(c.getRequests()).isEqualTo(3);
        assertThat(c.getStatusClassesMap()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("2xx", 2L, "5xx", 1L));
        assertThat(c.getBytesIn()).isEqualTo(15);
        assertThat(c.getBytesOut()).isEqualTo(150);
        assertThat(c.getUpstreamConnectFailures()).isEqualTo(1);
        // 2 of 3 in (2.5 ms, 5 ms], 1 in (25 ms, 50 ms]
        assertThat(c.getLatencyP50Ms()).isCloseTo(2.5 + 2.5 * (1.5 / 2), within(1e-6));
        assertThat(c.getLatencyP99Ms()).isBetween(25.0, 50.0);
    }

    @Test
    void tracksOpenConnectionsOfTcpRoutes() throws Exception {
        metrics.connectionOpened(DB);
        metrics.connectionOpened(DB);
        metrics.connectionClosed(new ConnectionRecord(0, "192.0.2.1", "", DB, "db1", 7, 9, 2_000_000, 100_000, "closed"));

        assertThat(text()).contains("fleetnet_ingress_open_connections{owner=\"db1\",protocol=\"tcp\",route=\"tcp/5432\"} 1")
                .contains("fleetnet_ingress_connections_total{owner=\"db1\",protocol=\"tcp\",route=\"tcp/5432\"} 2");
        RouteCounters c = metrics.routeCounters().get(0);
        assertThat(c.getProtocol()).isEqualTo(RouteProtocol.ROUTE_PROTOCOL_TCP);
        assertThat(c.getRequests()).isEqualTo(2);
        assertThat(c.getOpenConnections()).isEqualTo(1);
        assertThat(c.getBytesIn()).isEqualTo(7);
        assertThat(c.getBytesOut()).isEqualTo(9);
    }

    private static MachineEntry machine(String name) {
        return new MachineEntry(name, "fdaa::1", true, Set.of(8080), "", Set.of(8080));
    }

    private static final RouteSpec SHOP_ROUTE = new RouteSpec("shop.example.com", "/", "web1", false, 8080, "web1", false, 0);
    private static final StreamRoute DB_ROUTE = StreamRoute.tcp(5432, "db1", false, 5432, "db1", false, List.of());

    @Test
    void exposesTheAppliedViewAndTableSize() throws Exception {
        RouteSpec other = new RouteSpec("other.example.com", "/", "web1", false, 8080, "web1", false, 0);
        metrics.viewApplied(42, new IngressState(Map.of("web1", machine("web1")), Map.of(SHOP_ROUTE.key(), SHOP_ROUTE, other.key(), other),
                Map.of(DB_ROUTE.key(), DB_ROUTE)));
        metrics.accessLogDrops(() -> 5);
        assertThat(text()).contains("fleetnet_ingress_view_revision 42.0").contains("fleetnet_ingress_routes 2.0")
                .contains("fleetnet_ingress_machines 1.0").contains("fleetnet_access_log_dropped_total 5.0");
    }

    @Test
    void theSeriesOfRoutesAndMachinesThatWentAreDroppedWithTheViewThatRemovedThem() throws Exception {
        RouteLabel web1 = new RouteLabel("machine:web1", "http", "web1");
        metrics.request(request(SHOP, 200, 1, 1, 1));
        metrics.request(request(web1, 200, 1, 1, 1));
        metrics.request(request(RouteLabel.NONE, 404, 0, 1, 1));
        metrics.connectionOpened(DB);
        metrics.viewApplied(1, new IngressState(Map.of("web1", machine("web1")), Map.of(SHOP_ROUTE.key(), SHOP_ROUTE),
                Map.of(DB_ROUTE.key(), DB_ROUTE)));
        assertThat(text()).contains("route=\"shop.example.com/\"").contains("route=\"machine:web1\"").contains("route=\"tcp/5432\"");

        metrics.viewApplied(2, new IngressState(Map.of(), Map.of(), Map.of())); // everything deleted
        metrics.connectionClosed(new ConnectionRecord(0, "192.0.2.1", "", DB, "db1", 7, 9, 2_000_000, 100_000, "closed"));

        String text = text();
        assertThat(text).doesNotContain("shop.example.com").doesNotContain("machine:web1").doesNotContain("tcp/5432")
                .as("requests no route took stay counted").contains("fleetnet_ingress_requests_total{owner=\"\",protocol=\"http\",route=\"\"} 1");
        assertThat(metrics.routeCounters()).isEmpty();

        metrics.request(request(SHOP, 200, 1, 1, 1)); // the route again, later: counted from zero
        assertThat(text()).contains("fleetnet_ingress_requests_total{owner=\"web1\",protocol=\"http\",route=\"shop.example.com/\"} 1");
    }

    @Test
    void aRouteThatChangesOwnerLosesTheOldOwnersSeries() throws Exception {
        metrics.request(request(SHOP, 200, 1, 1, 1));
        RouteSpec shopOfWeb2 = new RouteSpec("shop.example.com", "/", "web2", false, 8080, "web2", false, 0);
        metrics.viewApplied(3, new IngressState(Map.of(), Map.of(shopOfWeb2.key(), shopOfWeb2), Map.of()));
        assertThat(text()).doesNotContain("owner=\"web1\"");
    }
}

package dev.fleetnet.controller.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostRouteCounters;
import dev.fleetnet.proto.v1.RouteCounters;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteCountersBoardTest {
    private final RouteCountersBoard board = new RouteCountersBoard();
    private final Object session1 = new Object();
    private final Object session2 = new Object();

    private static RouteCounters shop(long requests) {
        return RouteCounters.newBuilder().setRoute("shop.example.com/").setRequests(requests).putStatusClasses("2xx", requests).build();
    }

    @Test
    void keepsTheLatestWholeReportOfEachHost() {
        board.record("host-2", session1, List.of(shop(5)), 1000);
        board.record("host-1", session2, List.of(shop(1), RouteCounters.newBuilder().setRoute("tcp/5432").build()), 1000);
        board.record("host-1", session2, List.of(shop(3)), 2000);

        List<HostRouteCounters> shopStats = board.forRoute("shop.example.com/");
        assertThat(shopStats).extracting(HostRouteCounters::getHost).containsExactly("host-1", "host-2");
        assertThat(shopStats.get(0).getCounters().getRequests()).isEqualTo(3);
        assertThat(shopStats.get(0).getReportedAtEpochMillis()).isEqualTo(2000);
        assertThat(board.forRoute("tcp/5432")).as("the latest report is whole: the route went").isEmpty();
    }

    @Test
    void aHostsFiguresGoWithItsSessionButNotWithAnOlderOne() {
        board.record("host-1", session1, List.of(shop(1)), 1000);
        board.record("host-1", session2, List.of(shop(2)), 2000); // reconnected before the old stream ended
        board.forget("host-1", session1);
        assertThat(board.forRoute("shop.example.com/")).hasSize(1);
        board.forget("host-1", session2);
        assertThat(board.forRoute("shop.example.com/")).isEmpty();
    }
}

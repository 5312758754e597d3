package dev.fleetnet.ingress;

import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;
import dev.fleetnet.routing.RouteSpec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IngressUpdaterTest {
    private final IngressTable table = new IngressTable(new IngressNaming("fleet.test", 8080));
    private final List<String> closed = new ArrayList<>();
    private final IngressUpdater updater = new IngressUpdater(table, closed::add);

    private static MachineEntry web(boolean running, String address) {
        // as views carry it: a stopped machine listens on nothing
        return new MachineEntry("web", address, running, Set.of(8080), "", running ? Set.of(8080) : Set.of());
    }

    private static final RouteSpec SHOP = new RouteSpec("shop.example.com", "/", "web", false, 8080, "web", false, 0);

    @Test
    void sameStateTwiceChangesNothing() {
        IngressState state = new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP));
        assertThat(updater.apply(state)).isEqualTo(new IngressUpdater.Changes(1, 1));
        assertThat(updater.apply(state).none()).isTrue();
        assertThat(table.resolve("shop.example.com", "/")).isInstanceOf(Resolution.Forward.class);
    }

    @Test
    void stoppingMovingAndRemovingCloseConnectionsToTheOldAddress() {
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of()));
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::2")), Map.of()));
        assertThat(closed).containsExactly("fdaa::1");
        updater.apply(new IngressState(Map.of("web", web(false, "fdaa::2")), Map.of()));
        assertThat(closed).containsExactly("fdaa::1", "fdaa::2");
        updater.apply(IngressState.EMPTY);
        assertThat(closed).containsExactly("fdaa::1", "fdaa::2", "fdaa::2");
        assertThat(table.machine("web")).isNull();
    }

    @Test
    void onlyTheChangedRouteIsTouched() {
        RouteSpec api = new RouteSpec("api.example.com", "/", "web", false, 8080, "web", false, 0);
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP, api.key(), api)));
        RouteSpec shopAdmin = new RouteSpec("shop.example.com", "/", "web", false, 8080, "web", true, 0);
        assertThat(updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), shopAdmin))))
                .isEqualTo(new IngressUpdater.Changes(0, 2));
        assertThat(table.routes()).containsExactly(shopAdmin);
    }

    @Test
    void withdrawAnswers503AtOnceAndClosesConnections() {
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP)));
        updater.withdraw("web");
        assertThat(closed).containsExactly("fdaa::1");
        assertThat(table.resolve("shop.example.com", "/")).isEqualTo(new Resolution.Refuse(503, "machine not running", "web", 8080));
        assertThat(updater.apply(new IngressState(Map.of("web", web(false, "fdaa::1")), Map.of(SHOP.key(), SHOP))).none()).isTrue();
    }
}

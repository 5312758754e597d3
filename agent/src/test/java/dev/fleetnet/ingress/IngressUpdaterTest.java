package dev.fleetnet.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.OpenConnections;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IngressUpdaterTest {
    private final IngressRoutes routes = IngressRoutes.empty(new IngressNaming("fleet.test", 8080));
    private final List<String> closed = new ArrayList<>();
    /** What a new request would have seen at the moment each close was asked for. */
    private final List<Resolution> seenAtClose = new ArrayList<>();
    /** Routes whose relays and tunnels were closed, as "protocol key". */
    private final List<String> closedRoutes = new ArrayList<>();
    private final IngressUpdater updater = new IngressUpdater(routes, new OpenConnections() {
        @Override
        public void closeAll(String address) {
            closed.add(address);
            seenAtClose.add(routes.current().resolve("shop.example.com", "/"));
        }

        @Override
        public void closeRoute(String protocol, String routeKey) {
            closedRoutes.add(protocol + " " + routeKey);
        }
    });

    private IngressTable table() {
        return routes.current();
    }

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
        assertThat(table().resolve("shop.example.com", "/")).isInstanceOf(Resolution.Forward.class);
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
        assertThat(table().machine("web")).isNull();
    }

    @Test
    void onlyTheChangedRouteIsTouched() {
        RouteSpec api = new RouteSpec("api.example.com", "/", "web", false, 8080, "web", false, 0);
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP, api.key(), api)));
        RouteSpec shopAdmin = new RouteSpec("shop.example.com", "/", "web", false, 8080, "web", true, 0);
        assertThat(updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), shopAdmin))))
                .isEqualTo(new IngressUpdater.Changes(0, 2));
        assertThat(table().routes()).containsExactly(shopAdmin);
        // api went: its tunnels close; shop still leads to the same place: its tunnels stay
        assertThat(closedRoutes).containsExactly("http api.example.com/");
        assertThat(closed).isEmpty();
    }

    @Test
    void aRetargetedOrRemovedRouteClosesWhatWentThroughIt() {
        MachineEntry other = new MachineEntry("other", "fdaa::9", true, Set.of(8080, 9000), "", Set.of(8080, 9000));
        StreamRoute db = StreamRoute.tcp(5432, "web", false, 8080, "web", false, List.of());
        StreamRoute tls = StreamRoute.passthrough("tls.example.com", "web", false, 8080, "web", false);
        Map<String, MachineEntry> machines = Map.of("web", web(true, "fdaa::1"), "other", other);
        updater.apply(new IngressState(machines, Map.of(SHOP.key(), SHOP), Map.of(db.key(), db, tls.key(), tls)));
        assertThat(closedRoutes).isEmpty();

        RouteSpec shopElsewhere = new RouteSpec("shop.example.com", "/", "other", false, 8080, "web", false, 0);
        StreamRoute dbWithProxy = StreamRoute.tcp(5432, "web", false, 8080, "web", true, List.of());
        updater.apply(new IngressState(machines, Map.of(SHOP.key(), shopElsewhere), Map.of(db.key(), dbWithProxy, tls.key(), tls)));
        assertThat(closedRoutes).containsExactlyInAnyOrder("http shop.example.com/", "tcp tcp/5432");

        closedRoutes.clear();
        updater.apply(new IngressState(machines, Map.of(SHOP.key(), shopElsewhere), Map.of()));
        assertThat(closedRoutes).containsExactlyInAnyOrder("tcp tcp/5432", "tls-passthrough tls/tls.example.com");
        assertThat(closed).isEmpty(); // the machines are untouched: only what went through the routes closes
    }

    @Test
    void theNewTableIsServedBeforeConnectionsToAStoppedMachineAreClosed() {
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP)));
        IngressTable before = table();
        updater.apply(new IngressState(Map.of("web", web(false, "fdaa::1")), Map.of(SHOP.key(), SHOP)));
        assertThat(closed).containsExactly("fdaa::1");
        // no request arriving while the connections close can still pick the stopped machine
        assertThat(seenAtClose).containsExactly(new Resolution.Refuse(503, "machine not running", "web", 8080));
        assertThat(table()).isNotSameAs(before);
        assertThat(before.resolve("shop.example.com", "/")).isInstanceOf(Resolution.Forward.class);
    }

    @Test
    void anUnchangedStateKeepsTheSameTable() {
        IngressState state = new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP));
        updater.apply(state);
        IngressTable served = table();
        updater.apply(new IngressState(Map.of("web", web(true, "fdaa::1")), Map.of(SHOP.key(), SHOP)));
        assertThat(table()).isSameAs(served);
    }
}

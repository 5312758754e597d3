package dev.fleetnet.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.Route;
import org.junit.jupiter.api.Test;

class IngressViewsTest {
    @Test
    void aRouteSpecCarriesRedirectHttps() {
        Route route = Route.newBuilder().setHostname("Shop.Example.com").setMachine("web").setPort(8080).setOwner("web")
                .setRedirectHttps(true).build();
        assertThat(IngressViews.spec(route)).isEqualTo(
                new RouteSpec("shop.example.com", "/", "web", false, 8080, "web", false, 0, true));
        assertThat(IngressViews.spec(route.toBuilder().setRedirectHttps(false).build()).redirectHttps()).isFalse();
        assertThat(IngressViews.state(HostView.newBuilder().addRoutes(route).build()).routes().get("shop.example.com/")
                .redirectHttps()).isTrue();
    }
}

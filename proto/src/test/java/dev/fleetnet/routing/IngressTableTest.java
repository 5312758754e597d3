package dev.fleetnet.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IngressTableTest {
    private IngressTable table;

    @BeforeEach
    void fleet() {
        table = IngressTable.empty(new IngressNaming("fleet.test", 8080));
        table = table.withMachine(new MachineEntry("web", "fdaa:0:1:0:3:0:1:0", true, Set.of(8080, 9000), "", Set.of(8080, 9000)));
        table = table.withMachine(new MachineEntry("web-1", "fdaa:0:1:0:3:0:2:0", true, Set.of(8080), "", Set.of(8080)));
        table = table.withMachine(new MachineEntry("down", "fdaa:0:1:0:3:0:3:0", false, Set.of(8080), "", Set.of(8080)));
        table = table.withMachine(new MachineEntry("api-a", "fdaa:0:1:0:1:0:1:0", true, Set.of(8080), "api", Set.of(8080)));
        table = table.withMachine(new MachineEntry("api-b", "fdaa:0:1:0:2:0:1:0", true, Set.of(8080), "api", Set.of(8080)));
        table = table.withMachine(new MachineEntry("api-c", "fdaa:0:1:0:2:0:2:0", false, Set.of(8080), "api", Set.of(8080)));
        table = table.withRoute(new RouteSpec("shop.example.com", "/", "web", false, 8080, "web", false, 0));
        table = table.withRoute(new RouteSpec("shop.example.com", "/admin", "web", false, 9000, "web", true, 0));
        table = table.withRoute(new RouteSpec("*.apps.example.com", "/", "api", true, 8080, "api-a", false, 0));
    }

    @ParameterizedTest(name = "{0}{1} -> {2}:{3} path {4}")
    @CsvSource({
        // host header,            path,             machines,     port, forwarded path
        "shop.example.com,         /,                web,          8080, /",
        "SHOP.example.com:443,     /cart?x=1,        web,          8080, /cart?x=1",
        "shop.example.com,         /admin/users,     web,          9000, /admin/users",
        "shop.example.com,         /administrator,   web,          8080, /administrator",
        "x.apps.example.com,       /,                api-a|api-b,  8080, /",
        "web-9000.fleet.test,      /a,               web,          9000, /a",
        "9000__web.fleet.test,     /a,               web,          9000, /a",
        "web.fleet.test,           /,                web,          8080, /",
        "web-1.fleet.test,         /,                web-1,        8080, /",
        "web-1-8080.fleet.test,    /,                web-1,        8080, /",
        "api.fleet.test,           /,                api-a|api-b,  8080, /",
        "anything.fleet.test,      /proxy/web/9000/x/y?q, web,     9000, /x/y?q",
        "fleet.test,               /proxy/web/8080,  web,          8080, /",
        "web-1.fleet.test,         /proxy/web/8080?a=b, web,       8080, /?a=b",
        "shop.example.com,         /proxy/web-1/8080/, web,        8080, /proxy/web-1/8080/",
    })
    void forwards(String host, String path, String machines, int port, String forwardedPath) {
        Resolution resolution = table.resolve(host, path);
        assertThat(resolution).isInstanceOf(Resolution.Forward.class);
        Resolution.Forward forward = (Resolution.Forward) resolution;
        assertThat(forward.candidates()).extracting(MachineEntry::name)
                .containsExactlyInAnyOrder(machines.split("\\|"));
        assertThat(forward.port()).isEqualTo(port);
        assertThat(forward.path()).isEqualTo(forwardedPath);
    }

    @ParameterizedTest(name = "{0}{1} -> {2} {3}")
    @CsvSource({
        "nowhere.example.com,      /,                404, unknown hostname nowhere.example.com",
        "ghost.fleet.test,         /,                404, unknown machine",
        "down.fleet.test,          /,                503, machine not running",
        "web-7000.fleet.test,      /,                403, port not exposed",
        "web.fleet.test,           /proxy/web/7000/, 403, port not exposed",
        "web.fleet.test,           /proxy/web/0/,    404, malformed proxy path (expected: /proxy/{machine}/{port}/...)",
        "web.fleet.test,           /proxy/ghost/80/, 404, unknown machine",
        "'',                       /,                400, missing or malformed Host header",
        "anything.example.org,     /proxy/web/8080/, 404, unknown hostname anything.example.org",
        "'',                       /proxy/web/8080/, 400, missing or malformed Host header",
    })
    void refuses(String host, String path, int status, String error) {
        Resolution resolution = table.resolve(host, path);
        assertThat(resolution).isInstanceOf(Resolution.Refuse.class);
        assertThat(((Resolution.Refuse) resolution).status()).isEqualTo(status);
        assertThat(((Resolution.Refuse) resolution).error()).isEqualTo(error);
    }

    @Test
    void stoppingAMachineTakesItOutAtOnceAndAppsSkipIt() {
        table = table.withMachine(new MachineEntry("web", "fdaa:0:1:0:3:0:1:0", false, Set.of(8080, 9000), "", Set.of(8080, 9000)));
        assertThat(table.resolve("shop.example.com", "/")).isEqualTo(new Resolution.Refuse(503, "machine not running", "web", 8080));

        table = table.withMachine(new MachineEntry("api-a", "fdaa:0:1:0:1:0:1:0", false, Set.of(8080), "api", Set.of(8080)));
        assertThat(((Resolution.Forward) table.resolve("api.fleet.test", "/")).candidates())
                .extracting(MachineEntry::name).containsExactly("api-b");
        table = table.withoutMachine("api-b");
        assertThat(table.resolve("api.fleet.test", "/")).isInstanceOf(Resolution.Refuse.class)
                .extracting(r -> ((Resolution.Refuse) r).status()).isEqualTo(503);
    }

    @Test
    void anAppBalancesOnlyOverMachinesListeningOnTheTargetPort() {
        table = table.withMachine(new MachineEntry("api-a", "fdaa:0:1:0:1:0:1:0", true, Set.of(8080), "api", Set.of()));
        assertThat(((Resolution.Forward) table.resolve("api.fleet.test", "/")).candidates())
                .extracting(MachineEntry::name).containsExactly("api-b");
        table = table.withMachine(new MachineEntry("api-b", "fdaa:0:1:0:2:0:1:0", true, Set.of(8080), "api", Set.of(22)));
        assertThat(table.resolve("api.fleet.test", "/"))
                .isEqualTo(new Resolution.Refuse(503, "no machine of app api listening on port 8080", null, 8080));
        // a machine addressed by name is still forwarded to: the caller chose it, and gets 502 if nothing listens
        table = table.withMachine(new MachineEntry("web-1", "fdaa:0:1:0:3:0:2:0", true, Set.of(8080), "", Set.of()));
        assertThat(table.resolve("web-1.fleet.test", "/")).isInstanceOf(Resolution.Forward.class);
        table = table.withMachine(new MachineEntry("api-a", "fdaa:0:1:0:1:0:1:0", true, Set.of(8080), "api", Set.of(8080)));
        assertThat(((Resolution.Forward) table.resolve("x.apps.example.com", "/")).candidates())
                .extracting(MachineEntry::name).containsExactly("api-a");
    }

    @Test
    void removingARouteRemovesOnlyThatPathPrefix() {
        table = table.withoutRoute("shop.example.com", "/admin");
        assertThat(((Resolution.Forward) table.resolve("shop.example.com", "/admin")).port()).isEqualTo(8080);
        table = table.withoutRoute("shop.example.com", "/");
        assertThat(table.resolve("shop.example.com", "/")).isInstanceOf(Resolution.Refuse.class);
        assertThat(table.routes()).extracting(RouteSpec::hostname).containsExactly("*.apps.example.com");
    }

    @Test
    void aTableNeverChangesAfterItIsBuiltReadersHoldingItSeeOneState() {
        IngressTable before = table;
        IngressTable after = table.withMachine(new MachineEntry("web", "fdaa:0:1:0:3:0:1:0", false, Set.of(8080), "", Set.of()))
                .withoutRoute("shop.example.com", "/admin");
        assertThat(before.resolve("shop.example.com", "/admin/x")).isInstanceOf(Resolution.Forward.class);
        assertThat(before.machine("web").running()).isTrue();
        assertThat(after.resolve("shop.example.com", "/admin/x")).isEqualTo(new Resolution.Refuse(503, "machine not running", "web", 8080));
        assertThat(after.routes()).hasSize(2);
        assertThat(IngressTable.of(after.naming(), after.state()).routes()).containsExactlyInAnyOrderElementsOf(after.routes());
    }

    @Test
    void wildcardCoversExactlyOneLevel() {
        assertThat(table.resolve("a.b.apps.example.com", "/")).isInstanceOf(Resolution.Refuse.class);
        assertThat(table.resolve("apps.example.com", "/")).isInstanceOf(Resolution.Refuse.class);
    }

    @Test
    void badHostnamesAreRejectedWithTheValue() {
        assertThatThrownBy(() -> new RouteSpec("a.*.example.com", "/", "web", false, 80, "web", false, 0))
                .hasMessageStartingWith("hostname: 'a.*.example.com' (expected:");
        assertThatThrownBy(() -> new RouteSpec("shop.example.com", "admin", "web", false, 80, "web", false, 0))
                .hasMessage("path prefix: 'admin' (expected: starting with '/')");
    }
}

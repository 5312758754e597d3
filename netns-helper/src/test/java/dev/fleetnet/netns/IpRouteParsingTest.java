package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.netns.LinuxNetworking.Link;
import dev.fleetnet.netns.LinuxNetworking.Route;
import org.junit.jupiter.api.Test;

/** Reading {@code ip -j} output as iproute2 6.1 prints it (captured on Debian 12). */
class IpRouteParsingTest {
    @Test
    void linksKeepKindStateAndMaster() {
        String json = """
                [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536},
                 {"ifindex":5,"link":"vy","ifname":"vx","flags":["BROADCAST","MULTICAST","M-DOWN"],"master":"br0",
                  "linkinfo":{"info_kind":"veth"}},
                 {"ifindex":6,"ifname":"br0","flags":["BROADCAST","MULTICAST"],"linkinfo":{"info_kind":"bridge","info_data":{}}},
                 {"ifindex":7,"ifname":"tap0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"linkinfo":{"info_kind":"tun"}}]
                """;
        assertThat(IpRouteNetworking.parseLinks(json)).containsExactly(new Link("lo", "", true),
                new Link("vx", "veth", false, "br0"), new Link("br0", "bridge", false), new Link("tap0", "tun", true));
    }

    @Test
    void addressesBecomeCidrs() {
        String json = """
                [{"ifindex":2,"ifname":"v1","flags":["UP"],"addr_info":[
                  {"family":"inet6","local":"fd00::1","prefixlen":128,"scope":"global","nodad":true},
                  {"family":"inet6","local":"fe80::3c77:b0ff:fe15:cc95","prefixlen":64,"scope":"link"}]}]
                """;
        assertThat(IpRouteNetworking.parseAddresses(json)).containsExactly("fd00::1/128", "fe80::3c77:b0ff:fe15:cc95/64");
        assertThat(IpRouteNetworking.parseAddresses("[{}]")).isEmpty();
        assertThat(IpRouteNetworking.parseAddresses("")).isEmpty();
    }

    @Test
    void hostRoutesGetTheirPrefixAndMultipathRoutesHaveNoDevice() {
        String json = """
                [{"dst":"fd00::1","dev":"v1","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},
                 {"dst":"fdaa::/16","dev":"v1","metric":1024,"flags":[],"pref":"medium"},
                 {"dst":"default","gateway":"fe80::1","dev":"eth0","metric":1024,"flags":[],"pref":"medium"},
                 {"dst":"fdab::/64","metric":1024,"flags":[],"pref":"medium","nexthops":[
                   {"gateway":"fe80::2","dev":"v1","weight":1,"flags":[]}]}]
                """;
        assertThat(IpRouteNetworking.parseRoutes(json)).containsExactly(Route.onLink("fd00::1/128", "v1"),
                Route.onLink("fdaa::/16", "v1"), Route.via("default", "fe80::1", "eth0"), new Route("fdab::/64", null, null));
    }
}

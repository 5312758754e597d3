package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.netns.LinuxNetworking.Link;
import dev.fleetnet.netns.LinuxNetworking.Route;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LinuxNetworking} must do, run against the in-memory model and against
 * the real kernel. {@code null} is the implementation's home namespace.
 */
abstract class AbstractLinuxNetworkingContract {
    protected final String prefix = "t" + randomLetters(5) + "-";
    protected LinuxNetworking net;

    /** Removes every namespace named with {@link #prefix}. */
    @AfterEach
    void removeTestNamespaces() {
        for (String ns : net.namespaces()) {
            if (ns.startsWith(prefix)) {
                net.deleteNamespace(ns);
            }
        }
    }

    @Test
    void namespacesAreCreatedAndDeletedIdempotently() {
        String ns = prefix + "a";
        net.createNamespace(ns);
        net.createNamespace(ns);
        assertThat(net.namespaces()).contains(ns);
        net.deleteNamespace(ns);
        net.deleteNamespace(ns);
        assertThat(net.namespaces()).doesNotContain(ns);
    }

    @Test
    void vethPeerLandsInItsNamespaceAndDiesWithTheHostSide() {
        String ns = prefix + "m";
        net.createNamespace(ns);
        net.addVeth(linkName("v"), "eth0", ns);
        net.addVeth(linkName("v"), "eth0", ns);
        assertThat(net.links(null)).extracting(Link::name).contains(linkName("v"));
        assertThat(net.links(ns)).extracting(Link::name).contains("eth0");
        net.deleteLink(null, linkName("v"));
        net.deleteLink(null, linkName("v"));
        assertThat(net.links(ns)).extracting(Link::name).doesNotContain("eth0");
    }

    @Test
    void addressesRoutesAndLinkStateAreIdempotent() {
        String ns = prefix + "m";
        net.createNamespace(ns);
        net.addVeth(linkName("v"), "eth0", ns);
        net.setUp(ns, "lo");
        net.setUp(ns, "eth0");
        net.setUp(null, linkName("v"));
        net.addAddress(ns, "eth0", "fdaa:0:1:0:1:0:1:0/128");
        net.addAddress(ns, "eth0", "fdaa:0:1:0:1:0:1:0/128");
        assertThat(net.addresses(ns, "eth0")).containsOnlyOnce("fdaa:0:1:0:1:0:1:0/128");
        net.addAddress(null, linkName("v"), "fe80::1/64");
        net.replaceRoute(ns, Route.via("default", "fe80::1", "eth0"));
        net.replaceRoute(ns, Route.via("default", "fe80::1", "eth0"));
        assertThat(net.routes(ns)).filteredOn(r -> r.destination().equals("default"))
                .containsExactly(Route.via("default", "fe80::1", "eth0"));
        net.replaceRoute(null, Route.onLink("fdaa:0:1:0:1:0:1:0/128", linkName("v")));
        assertThat(net.routes(null)).contains(Route.onLink("fdaa:0:1:0:1:0:1:0/128", linkName("v")));
        net.deleteRoute(null, Route.onLink("fdaa:0:1:0:1:0:1:0/128", linkName("v")));
        net.deleteRoute(null, Route.onLink("fdaa:0:1:0:1:0:1:0/128", linkName("v")));
        assertThat(net.routes(null)).doesNotContain(Route.onLink("fdaa:0:1:0:1:0:1:0/128", linkName("v")));
        assertThat(net.links(ns)).filteredOn(l -> l.name().equals("eth0")).extracting(Link::up).containsExactly(true);
        net.setDown(ns, "eth0");
        assertThat(net.links(ns)).filteredOn(l -> l.name().equals("eth0")).extracting(Link::up).containsExactly(false);
        net.removeAddress(ns, "eth0", "fdaa:0:1:0:1:0:1:0/128");
        assertThat(net.addresses(ns, "eth0")).doesNotContain("fdaa:0:1:0:1:0:1:0/128");
    }

    @Test
    void bridgesTakePortsAndLinksMoveBetweenNamespaces() {
        String ul = prefix + "ul";
        String host = prefix + "h";
        net.createNamespace(ul);
        net.createNamespace(host);
        net.addBridge(ul, "br0");
        net.addBridge(ul, "br0");
        net.addVeth(linkName("p"), "ul0", host);
        net.moveLink(linkName("p"), ul);
        net.moveLink(linkName("p"), ul);
        net.setMaster(ul, linkName("p"), "br0");
        assertThat(net.links(ul)).extracting(Link::name).contains("br0", linkName("p"));
        assertThat(net.links(null)).extracting(Link::name).doesNotContain(linkName("p"));
    }

    @Test
    void tapDevicesAndSysctls() {
        net.addTap(linkName("t"));
        net.addTap(linkName("t"));
        assertThat(net.links(null)).filteredOn(l -> l.name().equals(linkName("t"))).hasSize(1);
        net.deleteLink(null, linkName("t"));
        String ns = prefix + "s";
        net.createNamespace(ns);
        net.setSysctl(ns, "net.ipv6.conf.all.forwarding", "1");
        assertThat(sysctl(ns, "net.ipv6.conf.all.forwarding")).isEqualTo("1");
    }

    /** Reads a sysctl back, each implementation its own way. */
    protected abstract String sysctl(String namespace, String key);

    /** A link name unique to this run, short enough for IFNAMSIZ. */
    protected String linkName(String role) {
        return prefix.replace("-", "") + role;
    }

    static String randomLetters(int n) {
        Random random = new Random();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }
}

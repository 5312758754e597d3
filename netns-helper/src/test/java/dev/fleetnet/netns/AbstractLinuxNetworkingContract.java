package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.netns.LinuxNetworking.Link;
import dev.fleetnet.netns.LinuxNetworking.Route;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LinuxNetworking} must do, run against the in-memory model and against the
 * real kernel. {@code null} is the implementation's home namespace; every namespace a test
 * makes starts with {@link #prefix} and is removed after it, pass or fail.
 */
abstract class AbstractLinuxNetworkingContract {
    private static final String MACHINE = "fdaa:0:1:0:1:0:1:0/128";
    protected final String prefix = "t" + randomLetters(5) + "-";
    protected LinuxNetworking net;

    /** Reads a sysctl back, each implementation its own way. */
    protected abstract String sysctl(String namespace, String key);

    /** Starts (or pretends to start) a long-running process inside a namespace. */
    protected abstract void startProcessIn(String namespace) throws Exception;

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
        assertThat(net.links(ns)).extracting(Link::name).containsExactly("lo");
        net.deleteNamespace(ns);
        net.deleteNamespace(ns);
        assertThat(net.namespaces()).doesNotContain(ns);
        assertThatThrownBy(() -> net.createNamespace("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a/b");
    }

    @Test
    void vethPeerLandsInItsNamespaceAndDiesWithEitherEnd() {
        String ns = machine();
        assertThat(net.links(null)).filteredOn(l -> l.name().equals(linkName("v"))).extracting(Link::kind)
                .containsExactly("veth");
        assertThat(net.links(ns)).extracting(Link::name).contains("eth0");
        net.deleteLink(null, linkName("v"));
        net.deleteLink(null, linkName("v"));
        net.deleteLink(prefix + "gone", "eth0");
        assertThat(net.links(ns)).extracting(Link::name).doesNotContain("eth0");

        net.addVeth(linkName("v"), "eth0", ns);
        net.deleteNamespace(ns);
        assertThat(net.links(null)).extracting(Link::name).doesNotContain(linkName("v"));
    }

    @Test
    void aNameTakenByAnotherKindIsAnError() {
        net.addTap(linkName("t"));
        assertThatThrownBy(() -> net.addBridge(null, linkName("t"))).isInstanceOf(NetworkingException.class)
                .hasMessageContaining(linkName("t"));
    }

    @Test
    void addressesAreIdempotentAndReadBackInTheKernelsSpelling() {
        String ns = machine();
        net.addAddress(ns, "eth0", "fdaa:0:0:0:0:0:0:1/128");
        net.addAddress(ns, "eth0", "fdaa::1/128");
        assertThat(net.addresses(ns, "eth0")).containsOnlyOnce("fdaa::1/128");
        net.removeAddress(ns, "eth0", "fdaa::1/128");
        net.removeAddress(ns, "eth0", "fdaa::1/128");
        assertThat(net.addresses(ns, "eth0")).doesNotContain("fdaa::1/128");
        net.removeAddress(ns, "nosuch0", "fdaa::1/128");
        assertThatThrownBy(() -> net.addAddress(ns, "nosuch0", "fdaa::1/128")).isInstanceOf(NetworkingException.class)
                .hasMessageContaining("nosuch0");
        assertThatThrownBy(() -> net.addAddress(ns, "eth0", "fdaa::1/129")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fdaa::1/129");
    }

    @Test
    void replacingARouteTwiceLeavesOneRoute() {
        String ns = machine();
        Route viaGateway = Route.via("default", "fe80::1", "eth0");
        net.replaceRoute(ns, viaGateway);
        net.replaceRoute(ns, viaGateway);
        net.replaceRoute(ns, Route.via("default", "fe80::2", "eth0"));
        assertThat(net.routes(ns)).filteredOn(r -> r.destination().equals("default"))
                .containsExactly(Route.via("default", "fe80::2", "eth0"));
        Route host = Route.onLink(MACHINE, linkName("v"));
        net.replaceRoute(null, host);
        net.replaceRoute(null, host);
        assertThat(net.routes(null)).containsOnlyOnce(host);
        net.deleteRoute(null, host);
        net.deleteRoute(null, host);
        assertThat(net.routes(null)).doesNotContain(host);
    }

    @Test
    void routeDestinationsAreStoredAsTheirPrefix() {
        String ns = machine();
        net.replaceRoute(ns, Route.onLink("fdaa:0:0:0::9/16", "eth0"));
        assertThat(net.routes(ns)).contains(Route.onLink("fdaa::/16", "eth0"));
        net.deleteLink(null, linkName("v"));
        net.deleteRoute(ns, Route.onLink("fdaa::/16", "eth0"));
    }

    @Test
    void aDownLinkTakesNoRoutesAndLosesItsIpv6State() {
        String ns = machine();
        net.replaceRoute(ns, Route.onLink("fdaa::/16", "eth0"));
        net.addAddress(ns, "eth0", MACHINE);
        net.setDown(ns, "eth0");
        net.setDown(ns, "eth0");
        assertThat(net.links(ns)).filteredOn(l -> l.name().equals("eth0")).extracting(Link::up).containsExactly(false);
        assertThat(net.addresses(ns, "eth0")).doesNotContain(MACHINE);
        assertThat(net.routes(ns)).noneMatch(r -> "eth0".equals(r.device()));
        assertThatThrownBy(() -> net.replaceRoute(ns, Route.onLink("fdaa::/16", "eth0")))
                .isInstanceOf(NetworkingException.class).hasMessageContaining("fdaa::/16");
        net.setUp(ns, "eth0");
        assertThat(net.links(ns)).filteredOn(l -> l.name().equals("eth0")).extracting(Link::up).containsExactly(true);
    }

    @Test
    void bridgesTakePortsAndMovedLinksArriveBare() {
        String ul = prefix + "ul";
        String host = prefix + "h";
        net.createNamespace(ul);
        net.createNamespace(host);
        net.addBridge(ul, "br0");
        net.addBridge(ul, "br0");
        net.addVeth(linkName("p"), "ul0", host);
        net.setUp(null, linkName("p"));
        net.addAddress(null, linkName("p"), "fd00::1/64");
        net.moveLink(linkName("p"), ul);
        net.moveLink(linkName("p"), ul);
        assertThat(net.links(null)).extracting(Link::name).doesNotContain(linkName("p"));
        assertThat(net.links(ul)).filteredOn(l -> l.name().equals(linkName("p"))).extracting(Link::up).containsExactly(false);
        assertThat(net.addresses(ul, linkName("p"))).doesNotContain("fd00::1/64");
        net.setMaster(ul, linkName("p"), "br0");
        net.setMaster(ul, linkName("p"), "br0");
        assertThat(net.links(ul)).filteredOn(l -> l.name().equals(linkName("p"))).extracting(Link::master)
                .containsExactly("br0");
        assertThat(net.links(ul)).filteredOn(l -> l.name().equals("br0")).extracting(Link::kind).containsExactly("bridge");
    }

    @Test
    void tapDevicesAreAddedOnce() {
        net.addTap(linkName("t"));
        net.addTap(linkName("t"));
        assertThat(net.links(null)).filteredOn(l -> l.name().equals(linkName("t"))).extracting(Link::kind)
                .containsExactly("tun");
        net.deleteLink(null, linkName("t"));
        net.deleteLink(null, linkName("t"));
        assertThat(net.links(null)).extracting(Link::name).doesNotContain(linkName("t"));
    }

    @Test
    void sysctlsAreWrittenInsideTheNamespace() {
        String ns = prefix + "s";
        net.createNamespace(ns);
        net.setSysctl(ns, "net.ipv6.conf.all.forwarding", "1");
        net.setSysctl(ns, "net.ipv6.conf.all.forwarding", "1");
        assertThat(sysctl(ns, "net.ipv6.conf.all.forwarding")).isEqualTo("1");
        assertThatThrownBy(() -> net.setSysctl(ns, "../../etc/passwd", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("../../etc/passwd");
    }

    @Test
    void killProcessesEmptiesANamespaceAndKeepsIt() throws Exception {
        String ns = prefix + "p";
        net.createNamespace(ns);
        net.killProcesses(ns);
        startProcessIn(ns);
        assertThat(net.processes(ns)).isNotEmpty();
        net.killProcesses(ns);
        assertThat(net.processes(ns)).isEmpty();
        assertThat(net.namespaces()).contains(ns);
        startProcessIn(ns);
        net.deleteNamespace(ns);
        assertThat(net.namespaces()).doesNotContain(ns);
        assertThat(net.processes(ns)).isEmpty();
    }

    /** A namespace with veth {@code linkName("v")} (home) to {@code eth0} inside, both ends up. */
    private String machine() {
        String ns = prefix + "m";
        net.createNamespace(ns);
        net.addVeth(linkName("v"), "eth0", ns);
        net.addVeth(linkName("v"), "eth0", ns);
        net.setUp(ns, "lo");
        net.setUp(ns, "eth0");
        net.setUp(null, linkName("v"));
        return ns;
    }

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

package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.Sandbox.run;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.core.AddressPlan;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One host built from namespaces as the agent builds it: machine namespaces joined by veth links
 * named fm… (fe80::1/64 and a /128 route on the host side, default via fe80::1 inside), DNS at
 * fdaa::3 on the host's lo, and a second host ("peer") behind a veth named like the mesh
 * interface. Plus the probes the data-plane test sends with: ping, and socat over TCP and UDP.
 */
final class PolicyLab implements AutoCloseable {
    static final String MESH = Fixtures.MESH;
    /** This host is host 1, the peer host 2. */
    static final String HOST_ADDRESS = AddressPlan.infraAddress(1);
    static final String PEER_ADDRESS = AddressPlan.infraAddress(2);
    /** Machines on the peer host, one in each network. */
    static final String PEER_NETWORK_1 = AddressPlan.machineAddress(1, 2, 1);
    static final String PEER_NETWORK_2 = AddressPlan.machineAddress(2, 2, 1);
    private static final String HOST_MESH_LL = "fe80::a";
    private static final String PEER_MESH_LL = "fe80::b";

    private final Sandbox sandbox = new Sandbox();
    private final Path dir;
    final String host;
    final String peer;

    PolicyLab() throws IOException {
        dir = Files.createTempDirectory("fleetnet-policy-lab");
        try {
            host = namespace("h");
            peer = namespace("p");
            run("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            run("ip", "-n", host, "address", "add", AddressPlan.DNS_ADDRESS + "/128", "dev", "lo");
            run("ip", "-n", host, "link", "add", MESH, "type", "veth", "peer", "name", "eth0", "netns", peer);
            link(host, MESH, HOST_MESH_LL + "/64");
            link(peer, "eth0", PEER_MESH_LL + "/64");
            run("ip", "-n", host, "address", "add", HOST_ADDRESS + "/128", "dev", MESH, "nodad");
            run("ip", "-n", host, "route", "add", AddressPlan.MESH_PREFIX, "via", PEER_MESH_LL, "dev", MESH);
            for (String address : new String[] {PEER_ADDRESS, PEER_NETWORK_1, PEER_NETWORK_2}) {
                run("ip", "-n", peer, "address", "add", address + "/128", "dev", "eth0", "nodad");
            }
            run("ip", "-n", peer, "route", "add", AddressPlan.MESH_PREFIX, "via", HOST_MESH_LL, "dev", "eth0");
            // A WireGuard mesh has no neighbour discovery; the policy drops it from the mesh, so the
            // veth that stands in for it gets static neighbours.
            run("ip", "-n", host, "neigh", "replace", PEER_MESH_LL, "lladdr", mac(peer, "eth0"), "dev", MESH, "nud", "permanent");
            run("ip", "-n", peer, "neigh", "replace", HOST_MESH_LL, "lladdr", mac(host, MESH), "dev", "eth0", "nud", "permanent");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Creates a machine namespace joined to the host by {@code guest}'s link; returns the namespace. */
    String machine(String suffix, GuestLink guest) {
        String ns = namespace(suffix);
        run("ip", "-n", host, "link", "add", guest.link(), "type", "veth", "peer", "name", "eth0", "netns", ns);
        link(host, guest.link(), AddressPlan.GATEWAY + "/64");
        run("ip", "-n", host, "route", "add", guest.address() + "/128", "dev", guest.link());
        link(ns, "eth0", guest.address() + "/128");
        run("ip", "-n", ns, "route", "add", "default", "via", AddressPlan.GATEWAY, "dev", "eth0");
        return ns;
    }

    private String namespace(String suffix) {
        String ns = sandbox.namespace(suffix);
        // No duplicate address detection: link-local addresses are usable at once, no waiting.
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private static void link(String ns, String link, String cidr) {
        run("ip", "-n", ns, "address", "add", cidr, "dev", link, "nodad");
        run("ip", "-n", ns, "link", "set", link, "up");
    }

    private static String mac(String ns, String link) {
        String out = run("ip", "-n", ns, "-o", "link", "show", link);
        return out.replaceAll("(?s).*link/ether ([0-9a-f:]{17}).*", "$1");
    }

    Listener listen(String ns, String protocol, String bind, int port) throws IOException {
        return Listener.start(ns, protocol, bind, port, dir);
    }

    /** One UDP datagram from {@code from} (null: the kernel's choice); true if socat sent it. */
    static boolean udp(String ns, String from, String to, int port, String payload) {
        boolean v4 = to.contains(".");
        String target = (v4 ? "UDP4-SENDTO:" + to : "UDP6-SENDTO:[" + to + "]") + ":" + port + (from == null ? "" : ",bind=[" + from + "]");
        return send(payload, "ip", "netns", "exec", ns, "socat", "-u", "-", target) == 0;
    }

    /** One TCP connection carrying {@code payload}; true if it connected (refusals time out after 1 s). */
    static boolean tcp(String ns, String from, String to, int port, String payload) {
        String target = "TCP6:[" + to + "]:" + port + ",connect-timeout=1" + (from == null ? "" : ",bind=[" + from + "]");
        return send(payload, "ip", "netns", "exec", ns, "socat", "-u", "-", target) == 0;
    }

    /** One echo request with a 1 s deadline; true if answered. */
    static boolean ping(String ns, String from, String to) {
        return Sandbox.exec("ip", "netns", "exec", ns, "ping", "-6", "-n", "-c", "1", "-W", "1", "-I", from, to).exitCode() == 0;
    }

    /** One echo request to a link-local address on the machine's eth0; true if answered. */
    static boolean ping6LinkLocal(String ns, String to) {
        return Sandbox.exec("ip", "netns", "exec", ns, "ping", "-6", "-n", "-c", "1", "-W", "1", to + "%eth0").exitCode() == 0;
    }

    /** Echo requests the namespace's IPv6 stack received so far ({@code Icmp6InEchos}). */
    static long echoRequestsReceived(String ns) {
        return run("ip", "netns", "exec", ns, "cat", "/proc/net/snmp6").lines().filter(l -> l.startsWith("Icmp6InEchos "))
                .mapToLong(l -> Long.parseLong(l.substring("Icmp6InEchos ".length()).strip())).findFirst().orElseThrow();
    }

    private static int send(String payload, String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write((payload + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // socat gave up before reading; its exit code tells
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        sandbox.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // temp files only
        }
    }
}

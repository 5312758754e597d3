package dev.fleetnet.netns;

import java.util.List;

/**
 * The Linux network operations fleetnet needs: namespaces, links, addresses, routes and
 * sysctls. Every mutating call is idempotent: adding what exists, or deleting what is
 * gone (including from a link or namespace that is gone), is not an error. A {@code namespace}
 * of {@code null} means the implementation's home namespace (by default the caller's own).
 * Addresses and route destinations are read back in the kernel's spelling ({@link Cidr}).
 * Failures throw {@link NetworkingException}; malformed names or addresses throw
 * {@link IllegalArgumentException}.
 *
 * <p>Nothing above this interface knows how it is implemented.
 */
public interface LinuxNetworking {

    /** Named network namespaces ({@code /var/run/netns}), sorted. */
    List<String> namespaces();

    void createNamespace(String name);

    /** Kills every process still inside, then deletes the namespace and its links; veth peers outside are gone on return. */
    void deleteNamespace(String name);

    /** Process ids running inside a named namespace. */
    List<Integer> processes(String namespace);

    /** Kills (SIGKILL) every process inside a named namespace; the namespace stays. */
    void killProcesses(String namespace);

    List<Link> links(String namespace);

    /** A veth pair: {@code name} in the caller's namespace, {@code peerName} moved into {@code peerNamespace}. */
    void addVeth(String name, String peerName, String peerNamespace);

    /** A persistent TAP device (kind {@code tun}) in the caller's namespace, for a VMM to attach. */
    void addTap(String name);

    /** A kernel WireGuard link (kind {@code wireguard}) in the caller's namespace; fails where the kernel has no WireGuard. */
    void addWireGuard(String name);

    /** A bridge in {@code namespace}. */
    void addBridge(String namespace, String name);

    /** Attaches {@code link} to bridge {@code bridge}, both in {@code namespace}. */
    void setMaster(String namespace, String link, String bridge);

    /** Moves a link from the caller's namespace into another one; it arrives down, without addresses or routes. */
    void moveLink(String name, String toNamespace);

    void deleteLink(String namespace, String name);

    void setUp(String namespace, String link);

    /** Sets a link down; like the kernel, this drops its IPv6 addresses and the routes through it. */
    void setDown(String namespace, String link);

    /** Addresses on a link in CIDR notation ({@code fdaa:0:0:1::1/128}), link-local included. */
    List<String> addresses(String namespace, String link);

    /** Adds an address; IPv6 addresses are added without duplicate address detection. */
    void addAddress(String namespace, String link, String cidr);

    void removeAddress(String namespace, String link, String cidr);

    /** The IPv6 routes of the main table. */
    List<Route> routes(String namespace);

    /** Adds the route, or replaces the one with the same destination; the device must be up. */
    void replaceRoute(String namespace, Route route);

    void deleteRoute(String namespace, Route route);

    /** Writes {@code /proc/sys/<key with dots as slashes>} inside the namespace. */
    void setSysctl(String namespace, String key, String value);

    /**
     * A network interface: its kind ({@code veth}, {@code tun}, {@code bridge}, {@code ""} for
     * loopback), whether it is administratively up, and the bridge it is attached to, or {@code null}.
     */
    record Link(String name, String kind, boolean up, String master) {
        public Link(String name, String kind, boolean up) {
            this(name, kind, up, null);
        }
    }

    /**
     * An IPv6 route: {@code destination} in CIDR form or {@code default}, the output
     * device, and an optional gateway ({@code via}, may be {@code null}).
     */
    record Route(String destination, String device, String via) {
        public static Route onLink(String destination, String device) {
            return new Route(destination, device, null);
        }

        public static Route via(String destination, String gateway, String device) {
            return new Route(destination, device, gateway);
        }

        /** The same route as the kernel stores it: destination masked to its prefix, addresses in {@link Cidr} spelling. */
        public Route canonical() {
            String dst = destination.equals("default") ? destination : Cidr.parse(destination).network().toString();
            return new Route(dst, device, via == null ? null : Cidr.parse(via).addressText());
        }
    }
}

package dev.fleetnet.lab;

import dev.fleetnet.core.Endpoints;
import java.util.regex.Pattern;

/**
 * Names and addresses of one lab, derived from its prefix: every namespace, link and
 * interface a lab makes starts with {@code <prefix>-} (or {@code <prefix>wg}), so labs run
 * side by side and {@code lab down} finds exactly what it made.
 */
public record LabLayout(String prefix, int hosts) {
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{0,7}");
    /** Underlay: one /64 on a bridge in the lab's underlay namespace. */
    static final String UNDERLAY_NET = "fd01::";
    static final String BRIDGE = "br0";
    /** The underlay interface inside every host namespace. */
    public static final String HOST_UPLINK = "ul0";
    public static final int WIREGUARD_PORT = 51820;
    public static final int MAX_HOSTS = 200;

    public LabLayout {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("lab prefix: '" + prefix
                    + "' (expected: 1-8 lowercase letters or digits, starting with a letter)");
        }
        if (hosts < 1 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("hosts: " + hosts + " (expected: 1.." + MAX_HOSTS + ")");
        }
    }

    /** Everything this lab names starts with this. */
    public String namePrefix() {
        return prefix + "-";
    }

    public String underlayNamespace() {
        return prefix + "-ul";
    }

    public String hostName(int host) {
        return "h" + host;
    }

    public String hostNamespace(int host) {
        return prefix + "-h" + host;
    }

    /** The bridge port for {@code host} in the underlay namespace. */
    public String bridgePort(int host) {
        return "h" + host;
    }

    /**
     * Machine namespaces of a host are {@code <prefix>-h<N>-<machine>}: the lab's hosts share
     * one /var/run/netns, and each agent removes namespaces under its prefix that it does not own.
     */
    public String machineNetnsPrefix(int host) {
        return hostNamespace(host) + "-";
    }

    /** Unique machine-wide, since wireguard-go's socket directory is shared by all namespaces. */
    public String meshInterface(int host) {
        return prefix + "wg" + host;
    }

    /** The controller's address on the underlay bridge. */
    public String controllerUnderlayAddress() {
        return UNDERLAY_NET + "1";
    }

    public String hostUnderlayAddress(int host) {
        return UNDERLAY_NET + "1:" + Integer.toHexString(host);
    }

    public String hostEndpoint(int host) {
        return Endpoints.format(hostUnderlayAddress(host), WIREGUARD_PORT);
    }

    /** Whether a namespace name belongs to this lab. */
    public boolean owns(String namespace) {
        return namespace.startsWith(namePrefix());
    }
}

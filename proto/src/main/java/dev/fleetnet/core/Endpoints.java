package dev.fleetnet.core;

import java.net.InetSocketAddress;

/** Parsing and formatting of literal {@code host:port} endpoints ({@code [fd01::2]:51820}). */
public final class Endpoints {
    private Endpoints() {}

    /** Parses {@code [v6]:port} or {@code v4:port} without name resolution. */
    public static InetSocketAddress parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + ": empty (expected: [ipv6]:port or ipv4:port)");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(field + ": '" + text + "' (expected: [ipv6]:port or ipv4:port)");
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        int port;
        try {
            port = Ports.check(field + " port", Long.parseLong(portText));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' (expected: a numeric port after ':')");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            String literal = host.substring(1, host.length() - 1);
            if (!Ipv6.isValid(literal)) {
                throw new IllegalArgumentException(field + ": '" + text + "' (expected: a literal IPv6 address in brackets)");
            }
            return InetSocketAddress.createUnresolved(Ipv6.canonical(literal), port);
        }
        if (!host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException(field + ": '" + text + "' (expected: [ipv6]:port or ipv4:port)");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** A bindable address from a literal {@code [v6]:port} or {@code v4:port}; never resolves names. */
    public static InetSocketAddress literal(String field, String text) {
        InetSocketAddress parsed = parse(field, text);
        return new InetSocketAddress(parsed.getHostString(), parsed.getPort());
    }

    /** Formats an address and port the way WireGuard and gRPC expect. */
    public static String format(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

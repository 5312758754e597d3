package dev.fleetnet.netns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address with a prefix length, written as the kernel prints it (IPv6 in RFC 5952 form,
 * {@code fdaa::1:0:0:1/128}), so that addresses and routes compare by value, not by spelling.
 */
public record Cidr(InetAddress address, int prefixLength) {

    public Cidr {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length: " + prefixLength + " (expected: 0.." + bits + ")");
        }
    }

    /**
     * Parses {@code fdaa::1/64}, {@code 10.0.0.1/24}, or an address alone (a host prefix, /128
     * or /32). Never resolves names: only literal addresses are accepted.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = literal(host, text);
        int bits = address.getAddress().length * 8;
        if (slash < 0) {
            return new Cidr(address, bits);
        }
        String prefix = text.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > bits) {
            throw invalid(text);
        }
        return new Cidr(address, Integer.parseInt(prefix));
    }

    /** The spelling the kernel uses for {@code text}, e.g. {@code fdaa:0:0:0::1/128} becomes {@code fdaa::1/128}. */
    public static String canonical(String text) {
        return parse(text).toString();
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    /** The same prefix with the host bits cleared, as the kernel stores a route's destination. */
    public Cidr network() {
        byte[] bytes = address.getAddress();
        for (int bit = prefixLength; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return new Cidr(InetAddress.getByAddress(bytes), prefixLength);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    /** The address alone in the kernel's spelling, e.g. {@code fe80::1}. */
    public String addressText() {
        return isIpv6() ? ipv6Text(address.getAddress()) : address.getHostAddress();
    }

    @Override
    public String toString() {
        return addressText() + "/" + prefixLength;
    }

    private static InetAddress literal(String host, String text) {
        try {
            if (host.contains(":") && host.matches("[0-9A-Fa-f:.]+")) {
                return InetAddress.getByName(host); // a string with ':' is parsed as a literal, never looked up
            }
            if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                byte[] bytes = new byte[4];
                String[] parts = host.split("\\.");
                for (int i = 0; i < 4; i++) {
                    int part = Integer.parseInt(parts[i]);
                    if (part > 255) {
                        throw invalid(text);
                    }
                    bytes[i] = (byte) part;
                }
                return InetAddress.getByAddress(bytes);
            }
        } catch (UnknownHostException e) {
            throw invalid(text);
        }
        throw invalid(text);
    }

    /** RFC 5952: lowercase hex, no leading zeros, the longest run of two or more zero groups as "::". */
    private static String ipv6Text(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("cidr: '" + text + "' (expected: an IPv6 or IPv4 address, optionally with /prefix)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefixLength == other.prefixLength
                && Arrays.equals(address.getAddress(), other.address.getAddress());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address.getAddress()) * 31 + prefixLength;
    }
}

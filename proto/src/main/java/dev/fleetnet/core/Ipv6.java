package dev.fleetnet.core;

import java.util.Arrays;

/** IPv6 address parsing and canonical (RFC 5952) formatting, without name lookups. */
public final class Ipv6 {
    private Ipv6() {}

    /** Parses a literal IPv6 address such as {@code fdaa:0:0:1::2}; never resolves names. */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("IPv6 address: '" + text + "' (expected: e.g. fdaa::1)");
        }
        String s = text;
        int doubleColon = s.indexOf("::");
        if (doubleColon != s.lastIndexOf("::")) {
            throw invalid(text);
        }
        String[] head;
        String[] tail;
        if (doubleColon >= 0) {
            head = splitGroups(s.substring(0, doubleColon), text);
            tail = splitGroups(s.substring(doubleColon + 2), text);
            if (head.length + tail.length > 7) {
                throw invalid(text);
            }
        } else {
            head = splitGroups(s, text);
            tail = new String[0];
            if (head.length != 8) {
                throw invalid(text);
            }
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) {
            putGroup(out, i, head[i], text);
        }
        for (int i = 0; i < tail.length; i++) {
            putGroup(out, 8 - tail.length + i, tail[i], text);
        }
        return out;
    }

    /** True if {@code text} is a literal IPv6 address. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Formats 16 bytes in RFC 5952 canonical form (lowercase, longest zero run as ::). */
    public static String format(byte[] address) {
        if (address.length != 16) {
            throw new IllegalArgumentException("address length: " + address.length + " (expected: 16)");
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** Returns the canonical form of a literal address. */
    public static String canonical(String text) {
        return format(parse(text));
    }

    /** True if the first {@code length} bits of both addresses (any equal length, IPv4 too) are equal. */
    public static boolean samePrefix(byte[] a, byte[] b, int length) {
        int fullBytes = length / 8;
        if (!Arrays.equals(a, 0, fullBytes, b, 0, fullBytes)) {
            return false;
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }

    private static String[] splitGroups(String part, String original) {
        if (part.isEmpty()) {
            return new String[0];
        }
        String[] groups = part.split(":", -1);
        for (String g : groups) {
            if (g.isEmpty() || g.length() > 4) {
                throw invalid(original);
            }
        }
        return groups;
    }

    private static void putGroup(byte[] out, int index, String group, String original) {
        int value;
        try {
            value = Integer.parseInt(group, 16);
        } catch (NumberFormatException e) {
            throw invalid(original);
        }
        if (value < 0) {
            throw invalid(original);
        }
        out[2 * index] = (byte) (value >>> 8);
        out[2 * index + 1] = (byte) value;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("IPv6 address: '" + text + "' (expected: a literal such as fdaa::1)");
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.core.Ipv6;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Which client addresses may set X-Forwarded-* / Forwarded headers that we pass on. */
public final class TrustedProxies {
    private TrustedProxies() {}

    /** An address prefix such as {@code 10.0.0.0/8} or {@code fd01::/64}. */
    public record Cidr(byte[] network, int length) {
        public static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            if (!address.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("trusted proxy: '" + text + "' (expected: an address or CIDR such as 10.0.0.0/8)");
            }
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(address).getAddress(); // a literal: no name lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("trusted proxy: '" + text + "' (expected: an address or CIDR such as 10.0.0.0/8)");
            }
            int length = bytes.length * 8;
            if (slash >= 0) {
                try {
                    length = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    length = -1;
                }
                if (length < 0 || length > bytes.length * 8) {
                    throw new IllegalArgumentException("trusted proxy: '" + text + "' (expected: prefix length 0.." + bytes.length * 8 + ")");
                }
            }
            return new Cidr(bytes, length);
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            return a.length == network.length && Ipv6.samePrefix(a, network, length);
        }
    }

    public static boolean trusted(List<Cidr> trusted, InetAddress client) {
        for (Cidr cidr : trusted) {
            if (cidr.contains(client)) {
                return true;
            }
        }
        return false;
    }
}

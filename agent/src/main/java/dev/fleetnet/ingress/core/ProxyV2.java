package dev.fleetnet.ingress.core;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The PROXY protocol version 2 header (haproxy's proxy-protocol.txt, section 2.2) that tells a
 * machine the client's address and port before the relayed bytes: the 12-byte signature,
 * version 2 with command PROXY (0x21), TCP over IPv4 (0x11) or IPv6 (0x21), the address block's
 * length, then source and destination addresses and ports in network order. No TLVs. Pure.
 */
public final class ProxyV2 {
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final byte VERSION_2_PROXY = 0x21;
    static final byte TCP_OVER_IPV4 = 0x11;
    static final byte TCP_OVER_IPV6 = 0x21;

    private ProxyV2() {}

    /**
     * The header for a connection from {@code source} (the client) to {@code destination} (the
     * address it connected to). Both IPv4 gives an IPv4 block; otherwise IPv6, an IPv4 address
     * written IPv4-mapped ({@code ::ffff:a.b.c.d}).
     */
    public static byte[] header(InetSocketAddress source, InetSocketAddress destination) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        if (src == null || dst == null) {
            throw new IllegalArgumentException("addresses: " + source + " -> " + destination + " (expected: resolved)");
        }
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        int addressLength = v4 ? 12 : 36;
        ByteBuffer out = ByteBuffer.allocate(16 + addressLength);
        out.put(SIGNATURE).put(VERSION_2_PROXY).put(v4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6).putShort((short) addressLength);
        out.put(v4 ? src.getAddress() : ipv6(src)).put(v4 ? dst.getAddress() : ipv6(dst));
        out.putShort((short) source.getPort()).putShort((short) destination.getPort());
        return out.array();
    }

    private static byte[] ipv6(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }
}

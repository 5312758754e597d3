package dev.fleetnet.agent.wireguard;

import dev.fleetnet.core.Endpoints;
import dev.fleetnet.netns.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The kernel's WireGuard over generic netlink ({@code linux/wireguard.h}, {@code
 * linux/genetlink.h}) as bytes: the family lookup, {@code WG_CMD_GET_DEVICE} and its dump read
 * back into a {@link MeshConfig}, and {@code WG_CMD_SET_DEVICE} made from the same UAPI {@code
 * set} lines {@link MeshPlan} makes for wireguard-go, so both backends apply one plan. Pure:
 * bytes in, bytes or values out. Netlink is in host byte order (little-endian here); a port
 * inside a socket address is in network order.
 */
final class WgNetlink {
    static final int NLMSG_HDRLEN = 16;
    static final int GENL_HDRLEN = 4;
    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_ACK = 0x4;
    static final short NLM_F_DUMP = 0x300;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_TYPE_MASK = 0x3fff;

    static final short GENL_ID_CTRL = 0x10;
    static final byte CTRL_CMD_GETFAMILY = 3;
    static final short CTRL_ATTR_FAMILY_ID = 1;
    static final short CTRL_ATTR_FAMILY_NAME = 2;

    static final String FAMILY = "wireguard";
    static final byte WG_GENL_VERSION = 1;
    static final byte WG_CMD_GET_DEVICE = 0;
    static final byte WG_CMD_SET_DEVICE = 1;
    static final short WGDEVICE_A_IFNAME = 2;
    static final short WGDEVICE_A_PRIVATE_KEY = 3;
    static final short WGDEVICE_A_LISTEN_PORT = 6;
    static final short WGDEVICE_A_PEERS = 8;
    static final short WGPEER_A_PUBLIC_KEY = 1;
    static final short WGPEER_A_FLAGS = 3;
    static final short WGPEER_A_ENDPOINT = 4;
    static final short WGPEER_A_ALLOWEDIPS = 9;
    static final int WGPEER_F_REMOVE_ME = 1;
    static final int WGPEER_F_REPLACE_ALLOWEDIPS = 2;
    static final int WGPEER_F_UPDATE_ONLY = 4;
    static final short WGALLOWEDIP_A_FAMILY = 1;
    static final short WGALLOWEDIP_A_IPADDR = 2;
    static final short WGALLOWEDIP_A_CIDR_MASK = 3;
    static final short AF_INET = 2;
    static final short AF_INET6 = 10;

    private WgNetlink() {}

    /** Where a message's sequence number is: {@link GenlSocket} numbers each request it sends. */
    static final int SEQ_OFFSET = 8;
    /** The most a set message carries: well under a netlink socket's default send buffer (212992 bytes). */
    static final int MAX_MESSAGE = 32 * 1024;

    /** {@code CTRL_CMD_GETFAMILY} for {@code name}: the reply carries the family's id. */
    static byte[] getFamily(String name) {
        Writer w = new Writer(GENL_ID_CTRL, (short) (NLM_F_REQUEST | NLM_F_ACK), CTRL_CMD_GETFAMILY, (byte) 1);
        w.string(CTRL_ATTR_FAMILY_NAME, name);
        return w.finish();
    }

    /** The family id in a {@code CTRL_CMD_GETFAMILY} reply's payload (after the netlink header). */
    static int familyId(ByteBuffer reply) {
        for (Attr a : attrs(reply, GENL_HDRLEN)) {
            if (a.type() == CTRL_ATTR_FAMILY_ID) {
                return Short.toUnsignedInt(a.value().getShort(0));
            }
        }
        throw new IllegalArgumentException("generic netlink: a family reply without CTRL_ATTR_FAMILY_ID");
    }

    /** {@code WG_CMD_GET_DEVICE} for {@code ifname}, as a dump (a device with many peers comes in several messages). */
    static byte[] getDevice(int family, String ifname) {
        Writer w = new Writer((short) family, (short) (NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP), WG_CMD_GET_DEVICE, WG_GENL_VERSION);
        w.string(WGDEVICE_A_IFNAME, ifname);
        return w.finish();
    }

    /** The device a {@code WG_CMD_GET_DEVICE} dump describes, its parts merged (a peer may continue in the next part). */
    static MeshConfig device(List<ByteBuffer> parts) {
        String privateKey = "";
        int port = 0;
        Map<String, String> endpoints = new LinkedHashMap<>();
        Map<String, TreeSet<String>> allowed = new LinkedHashMap<>();
        for (ByteBuffer part : parts) {
            for (Attr a : attrs(part, GENL_HDRLEN)) {
                switch (a.type()) {
                    case WGDEVICE_A_PRIVATE_KEY -> privateKey = hex(a.value());
                    case WGDEVICE_A_LISTEN_PORT -> port = Short.toUnsignedInt(a.value().getShort(0));
                    case WGDEVICE_A_PEERS -> {
                        for (Attr peer : attrs(a.value(), 0)) {
                            readPeer(peer.value(), endpoints, allowed);
                        }
                    }
                    default -> { } // ifindex, ifname, public key, fwmark, flags: not part of the config we keep
                }
            }
        }
        Map<String, MeshConfig.Peer> peers = new LinkedHashMap<>();
        allowed.forEach((key, ips) -> peers.put(key, new MeshConfig.Peer(endpoints.getOrDefault(key, ""), ips)));
        return new MeshConfig(privateKey, port, peers);
    }

    private static void readPeer(ByteBuffer peer, Map<String, String> endpoints, Map<String, TreeSet<String>> allowed) {
        String key = null;
        String endpoint = "";
        List<String> ips = new ArrayList<>();
        for (Attr a : attrs(peer, 0)) {
            switch (a.type()) {
                case WGPEER_A_PUBLIC_KEY -> key = hex(a.value());
                case WGPEER_A_ENDPOINT -> endpoint = endpoint(a.value());
                case WGPEER_A_ALLOWEDIPS -> {
                    for (Attr ip : attrs(a.value(), 0)) {
                        ips.add(allowedIp(ip.value()));
                    }
                }
                default -> { } // handshake time, counters, keepalive, protocol version
            }
        }
        if (key == null) {
            throw new IllegalArgumentException("WG_CMD_GET_DEVICE: a peer without WGPEER_A_PUBLIC_KEY");
        }
        allowed.computeIfAbsent(key, k -> new TreeSet<>()).addAll(ips);
        if (!endpoint.isEmpty()) {
            endpoints.put(key, endpoint);
        }
    }

    /**
     * {@code WG_CMD_SET_DEVICE} messages for {@code ifname} doing what the UAPI {@code set}
     * {@code lines} say (the keys {@link MeshPlan} writes: private_key, listen_port, public_key,
     * remove, update_only, endpoint, replace_allowed_ips, allowed_ip), each at most {@code
     * maxBytes} unless one peer alone is larger: the device's own attributes in the first, then
     * whole peers in order, as many as fit, so a large fleet's set is several messages, applied
     * in order, as {@code wg} does.
     */
    static List<byte[]> setDevice(int family, String ifname, List<String> lines, int maxBytes) {
        Writer device = Writer.fragment();
        List<PeerChange> peers = new ArrayList<>();
        PeerChange peer = null;
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("UAPI set line '" + line + "' (expected: key=value)");
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "private_key" -> device.bytes(WGDEVICE_A_PRIVATE_KEY, key32(value));
                case "listen_port" -> device.u16(WGDEVICE_A_LISTEN_PORT, Integer.parseInt(value));
                case "public_key" -> {
                    peer = new PeerChange(key32(value));
                    peers.add(peer);
                }
                case "remove", "update_only", "replace_allowed_ips", "endpoint", "allowed_ip" -> {
                    if (peer == null) {
                        throw new IllegalArgumentException("UAPI set line '" + line + "' before any public_key");
                    }
                    peer.take(key, value);
                }
                default -> throw new IllegalArgumentException("UAPI set key '" + key + "' (expected: one MeshPlan writes)");
            }
        }
        List<byte[]> messages = new ArrayList<>();
        Writer w = start(family, ifname).raw(device.bytes());
        int inMessage = 0;
        int list = -1;
        for (PeerChange change : peers) {
            byte[] encoded = change.encode(inMessage);
            if (inMessage > 0 && w.size() + encoded.length > maxBytes) { // full: this peer starts the next message
                w.end(list);
                messages.add(w.finish());
                w = start(family, ifname);
                inMessage = 0;
                encoded = change.encode(0);
            }
            if (inMessage == 0) {
                list = w.begin(WGDEVICE_A_PEERS);
            }
            w.raw(encoded);
            inMessage++;
        }
        if (inMessage > 0) {
            w.end(list);
        }
        messages.add(w.finish());
        return messages;
    }

    private static Writer start(int family, String ifname) {
        Writer w = new Writer((short) family, (short) (NLM_F_REQUEST | NLM_F_ACK), WG_CMD_SET_DEVICE, WG_GENL_VERSION);
        w.string(WGDEVICE_A_IFNAME, ifname);
        return w;
    }

    /** One peer's part of a set: flags, endpoint, allowed IPs. */
    private static final class PeerChange {
        final byte[] publicKey;
        int flags;
        InetSocketAddress endpoint;
        final List<String> allowedIps = new ArrayList<>();

        PeerChange(byte[] publicKey) {
            this.publicKey = publicKey;
        }

        void take(String key, String value) {
            switch (key) {
                case "remove" -> flags |= WGPEER_F_REMOVE_ME;
                case "update_only" -> flags |= WGPEER_F_UPDATE_ONLY;
                case "replace_allowed_ips" -> flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
                case "endpoint" -> endpoint = Endpoints.literal("endpoint", value);
                default -> allowedIps.add(value);
            }
        }

        /** This peer as nested attribute number {@code index} of a peer list. */
        byte[] encode(int index) {
            Writer w = Writer.fragment();
            int nest = w.begin((short) index);
            w.bytes(WGPEER_A_PUBLIC_KEY, publicKey);
            if (flags != 0) {
                w.u32(WGPEER_A_FLAGS, flags);
            }
            if (endpoint != null) {
                w.bytes(WGPEER_A_ENDPOINT, sockaddr(endpoint));
            }
            if (!allowedIps.isEmpty()) {
                int list = w.begin(WGPEER_A_ALLOWEDIPS);
                for (int i = 0; i < allowedIps.size(); i++) {
                    writeAllowedIp(w, i, allowedIps.get(i));
                }
                w.end(list);
            }
            w.end(nest);
            return w.bytes();
        }
    }

    private static void writeAllowedIp(Writer w, int index, String text) {
        Cidr cidr;
        try {
            cidr = Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("UAPI allowed_ip: " + e.getMessage(), e);
        }
        int nest = w.begin((short) index);
        w.u16(WGALLOWEDIP_A_FAMILY, cidr.isIpv6() ? AF_INET6 : AF_INET);
        w.bytes(WGALLOWEDIP_A_IPADDR, cidr.address().getAddress());
        w.u8(WGALLOWEDIP_A_CIDR_MASK, cidr.prefixLength());
        w.end(nest);
    }

    /** A {@code sockaddr_in6} (28 bytes) or {@code sockaddr_in} (16 bytes): family in host order, port in network order. */
    static byte[] sockaddr(InetSocketAddress endpoint) {
        byte[] ip = endpoint.getAddress().getAddress();
        ByteBuffer b = ByteBuffer.allocate(ip.length == 16 ? 28 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(ip.length == 16 ? AF_INET6 : AF_INET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) endpoint.getPort()).order(ByteOrder.LITTLE_ENDIAN);
        if (ip.length == 16) {
            b.putInt(0).put(ip).putInt(0); // flowinfo, address, scope id
        } else {
            b.put(ip);
        }
        return b.array();
    }

    private static String endpoint(ByteBuffer sockaddr) {
        int family = Short.toUnsignedInt(sockaddr.getShort(0));
        int port = Short.toUnsignedInt(sockaddr.duplicate().order(ByteOrder.BIG_ENDIAN).getShort(2));
        byte[] ip = new byte[family == AF_INET6 ? 16 : 4];
        sockaddr.get(family == AF_INET6 ? 8 : 4, ip);
        return Endpoints.format(new Cidr(literal(ip), ip.length * 8).addressText(), port);
    }

    private static String allowedIp(ByteBuffer nest) {
        byte[] ip = null;
        int mask = -1;
        for (Attr a : attrs(nest, 0)) {
            switch (a.type()) {
                case WGALLOWEDIP_A_IPADDR -> {
                    ip = new byte[a.value().remaining()];
                    a.value().get(0, ip);
                }
                case WGALLOWEDIP_A_CIDR_MASK -> mask = Byte.toUnsignedInt(a.value().get(0));
                default -> { } // the family: the address length says it
            }
        }
        if (ip == null || mask < 0) {
            throw new IllegalArgumentException("WG_CMD_GET_DEVICE: an allowed IP without address or mask");
        }
        return new Cidr(literal(ip), mask).toString();
    }

    private static InetAddress literal(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address of " + ip.length + " bytes (expected: 4 or 16)", e);
        }
    }

    private static byte[] key32(String hex) {
        byte[] key = HexFormat.of().parseHex(hex);
        if (key.length != 32) {
            throw new IllegalArgumentException("WireGuard key of " + key.length + " bytes (expected: 32, as 64 hex digits)");
        }
        return key;
    }

    private static String hex(ByteBuffer value) {
        byte[] b = new byte[value.remaining()];
        value.get(0, b);
        return HexFormat.of().formatHex(b);
    }

    /** One attribute: its type without the nested/byte-order flags, and its value (position 0 to its length). */
    record Attr(int type, ByteBuffer value) {}

    /** The attributes of {@code b} from {@code offset}, each 4-byte aligned. */
    static List<Attr> attrs(ByteBuffer b, int offset) {
        ByteBuffer in = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<Attr> out = new ArrayList<>();
        int at = in.position() + offset;
        int end = in.limit();
        while (at + 4 <= end) {
            int len = Short.toUnsignedInt(in.getShort(at));
            int type = Short.toUnsignedInt(in.getShort(at + 2)) & NLA_TYPE_MASK;
            if (len < 4 || at + len > end) {
                throw new IllegalArgumentException("netlink attribute of length " + len + " at " + (at - in.position())
                        + " (expected: 4.." + (end - at) + ")");
            }
            out.add(new Attr(type, in.slice(at + 4, len - 4).order(ByteOrder.LITTLE_ENDIAN)));
            at += align(len);
        }
        return out;
    }

    static int align(int n) {
        return (n + 3) & ~3;
    }

    /** Builds one netlink message with a generic netlink header and attributes. */
    static final class Writer {
        private ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

        /** A message: length set by {@link #finish}, sequence number 0 until {@link GenlSocket} numbers it, port id 0 (the kernel). */
        Writer(short type, short flags, byte cmd, byte version) {
            b.putInt(0).putShort(type).putShort(flags).putInt(0).putInt(0);
            b.put(cmd).put(version).putShort((short) 0);
        }

        private Writer() {}

        /** Attributes without a message around them, for {@link #raw}. */
        static Writer fragment() {
            return new Writer();
        }

        Writer raw(byte[] attributes) {
            room(attributes.length);
            b.put(attributes);
            return this;
        }

        int size() {
            return b.position();
        }

        /** What was written, as it is (a fragment's attributes). */
        byte[] bytes() {
            byte[] out = new byte[b.position()];
            b.get(0, out);
            return out;
        }

        void string(short type, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            byte[] terminated = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, terminated, 0, bytes.length);
            bytes(type, terminated);
        }

        void u8(short type, int v) {
            bytes(type, new byte[] {(byte) v});
        }

        void u16(short type, int v) {
            bytes(type, new byte[] {(byte) v, (byte) (v >>> 8)});
        }

        void u32(short type, int v) {
            bytes(type, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
        }

        void bytes(short type, byte[] value) {
            room(4 + value.length + 3);
            b.putShort((short) (4 + value.length)).putShort(type).put(value);
            pad();
        }

        /** Opens a nested attribute; returns where it starts, for {@link #end}. */
        int begin(short type) {
            room(4);
            int start = b.position();
            b.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
            return start;
        }

        void end(int start) {
            b.putShort(start, (short) (b.position() - start));
        }

        byte[] finish() {
            b.putInt(0, b.position());
            return bytes();
        }

        private void pad() {
            while ((b.position() & 3) != 0) {
                b.put((byte) 0);
            }
        }

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
                bigger.put(b.flip());
                b = bigger;
            }
        }
    }
}

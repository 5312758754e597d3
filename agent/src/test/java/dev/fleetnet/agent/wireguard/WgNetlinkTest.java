package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The generic netlink bytes, checked against layouts written out here from linux/genetlink.h and linux/wireguard.h. */
class WgNetlinkTest {
    private static final String KEY_A = "01".repeat(32);
    private static final String KEY_B = "02".repeat(32);

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void theFamilyLookupIsTheControlFamilysGetFamilyWithTheNameNulTerminated() {
        ByteBuffer expected = le(36);
        expected.putInt(36).putShort((short) 0x10).putShort((short) 0x5).putInt(0).putInt(0); // nlmsghdr: REQUEST|ACK, seq set on sending
        expected.put((byte) 3).put((byte) 1).putShort((short) 0); // genlmsghdr: CTRL_CMD_GETFAMILY, version 1
        expected.putShort((short) 14).putShort((short) 2).put("wireguard\0".getBytes()).put(new byte[2]); // CTRL_ATTR_FAMILY_NAME, padded
        assertThat(WgNetlink.getFamily("wireguard")).isEqualTo(expected.array());
    }

    @Test
    void aRemovedPeerIsItsKeyAndTheRemoveFlagNestedUnderPeers() {
        byte[] message = only(WgNetlink.setDevice(0x1b, "wg0", List.of("public_key=" + KEY_A, "remove=true"), WgNetlink.MAX_MESSAGE));
        ByteBuffer expected = le(16 + 4 + 8 + 52);
        expected.putInt(80).putShort((short) 0x1b).putShort((short) 0x5).putInt(0).putInt(0);
        expected.put((byte) 1).put((byte) 1).putShort((short) 0); // WG_CMD_SET_DEVICE, WG_GENL_VERSION
        expected.putShort((short) 8).putShort((short) 2).put("wg0\0".getBytes()); // WGDEVICE_A_IFNAME
        expected.putShort((short) 52).putShort((short) (0x8000 | 8)); // WGDEVICE_A_PEERS, nested
        expected.putShort((short) 48).putShort((short) 0x8000); // peer 0, nested
        expected.putShort((short) 36).putShort((short) 1).put(HexFormat.of().parseHex(KEY_A)); // WGPEER_A_PUBLIC_KEY
        expected.putShort((short) 8).putShort((short) 3).putInt(1); // WGPEER_A_FLAGS: REMOVE_ME
        assertThat(message).isEqualTo(expected.array());
    }

    @Test
    void anEndpointIsASockaddrIn6WithThePortInNetworkOrder() {
        ByteBuffer expected = le(28);
        expected.putShort((short) 10).put((byte) 0xca).put((byte) 0x6c).putInt(0) // AF_INET6, port 51820, flowinfo
                .put(HexFormat.of().parseHex("fd010000000000000000000000010002")).putInt(0);
        assertThat(WgNetlink.sockaddr(new InetSocketAddress("fd01::1:2", 51820))).isEqualTo(expected.array());
    }

    @Test
    void aNewPeerCarriesItsEndpointAndEachAllowedIpAsFamilyAddressAndMask() {
        byte[] message = only(WgNetlink.setDevice(0x1b, "wg0", List.of("private_key=" + KEY_B, "listen_port=51820",
                "public_key=" + KEY_A, "endpoint=[fd01::1:2]:51820", "replace_allowed_ips=true", "allowed_ip=fdaa:0:0:0:2::/80"),
                WgNetlink.MAX_MESSAGE));
        ByteBuffer m = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        int at = 16 + 4 + 8; // after the headers and the name
        assertThat(m.getShort(at)).isEqualTo((short) 36);
        assertThat(m.getShort(at + 2)).as("WGDEVICE_A_PRIVATE_KEY").isEqualTo((short) 3);
        at += 36;
        assertThat(m.getShort(at)).isEqualTo((short) 6);
        assertThat(m.getShort(at + 2)).as("WGDEVICE_A_LISTEN_PORT").isEqualTo((short) 6);
        assertThat(m.getShort(at + 4)).as("host order").isEqualTo((short) 51820);
        at += 8;
        assertThat(m.getShort(at + 2)).isEqualTo((short) (0x8000 | 8));
        at += 4 + 4 + 36; // peers, peer 0, public key
        assertThat(m.getShort(at + 2)).as("WGPEER_A_FLAGS").isEqualTo((short) 3);
        assertThat(m.getInt(at + 4)).as("REPLACE_ALLOWEDIPS").isEqualTo(2);
        at += 8;
        assertThat(m.getShort(at)).isEqualTo((short) 32);
        assertThat(m.getShort(at + 2)).as("WGPEER_A_ENDPOINT").isEqualTo((short) 4);
        at += 32;
        assertThat(m.getShort(at + 2)).as("WGPEER_A_ALLOWEDIPS, nested").isEqualTo((short) (0x8000 | 9));
        at += 4 + 4; // the list, allowed IP 0
        assertThat(m.getShort(at)).isEqualTo((short) 6);
        assertThat(m.getShort(at + 2)).as("WGALLOWEDIP_A_FAMILY").isEqualTo((short) 1);
        assertThat(m.getShort(at + 4)).as("AF_INET6").isEqualTo((short) 10);
        at += 8;
        assertThat(m.getShort(at)).isEqualTo((short) 20);
        assertThat(m.getShort(at + 2)).as("WGALLOWEDIP_A_IPADDR").isEqualTo((short) 2);
        byte[] ip = new byte[16];
        m.get(at + 4, ip);
        assertThat(HexFormat.of().formatHex(ip)).isEqualTo("fdaa0000000000000002000000000000");
        at += 20;
        assertThat(m.getShort(at)).isEqualTo((short) 5);
        assertThat(m.getShort(at + 2)).as("WGALLOWEDIP_A_CIDR_MASK").isEqualTo((short) 3);
        assertThat(m.get(at + 4)).isEqualTo((byte) 80);
        assertThat(at + 8).as("nothing after the last attribute").isEqualTo(message.length);
        assertThat(m.getInt(0)).as("the length in the header").isEqualTo(message.length);
    }

    @Test
    void aDumpIsReadBackIntoTheSameConfigAPeerContinuingInTheNextPart() {
        ByteBuffer first = le(256);
        first.put((byte) 0).put((byte) 1).putShort((short) 0); // genlmsghdr
        attr(first, 3, HexFormat.of().parseHex(KEY_B));
        attr(first, 6, new byte[] {(byte) 0x6c, (byte) 0xca}); // 51820, host order
        int peers = begin(first, 8);
        int peer = begin(first, 0);
        attr(first, 1, HexFormat.of().parseHex(KEY_A));
        attr(first, 4, WgNetlink.sockaddr(new InetSocketAddress("fd01::1:2", 51820)));
        int ips = begin(first, 9);
        allowedIp(first, "fdaa0000000100000002000000000000", 80);
        end(first, ips);
        end(first, peer);
        end(first, peers);
        ByteBuffer second = le(128);
        second.put((byte) 0).put((byte) 1).putShort((short) 0);
        peers = begin(second, 8);
        peer = begin(second, 0);
        attr(second, 1, HexFormat.of().parseHex(KEY_A));
        ips = begin(second, 9);
        allowedIp(second, "fdaa0000000000000002000000000000", 80);
        end(second, ips);
        end(second, peer);
        end(second, peers);

        MeshConfig config = WgNetlink.device(List.of(first.flip(), second.flip()));

        assertThat(config).isEqualTo(new MeshConfig(KEY_B, 51820, Map.of(KEY_A, new MeshConfig.Peer("[fd01::1:2]:51820",
                new TreeSet<>(List.of("fdaa:0:1:0:2::/80", "fdaa::2:0:0:0/80")))))); // canonical forms, as MeshConfig keeps them
    }

    @Test
    void linesTheKernelBackendCannotSayAreRefusedWithTheReason() {
        assertThatThrownBy(() -> WgNetlink.setDevice(1, "wg0", List.of("fwmark=1"), WgNetlink.MAX_MESSAGE))
                .hasMessage("UAPI set key 'fwmark' (expected: one MeshPlan writes)");
        assertThatThrownBy(() -> WgNetlink.setDevice(1, "wg0", List.of("remove=true"), WgNetlink.MAX_MESSAGE))
                .hasMessage("UAPI set line 'remove=true' before any public_key");
        assertThatThrownBy(() -> WgNetlink.setDevice(1, "wg0", List.of("public_key=abcd"), WgNetlink.MAX_MESSAGE))
                .hasMessage("WireGuard key of 2 bytes (expected: 32, as 64 hex digits)");
        assertThatThrownBy(() -> WgNetlink.setDevice(1, "wg0", List.of("public_key=" + KEY_A, "allowed_ip=fdaa::/129"), WgNetlink.MAX_MESSAGE))
                .hasMessage("UAPI allowed_ip: cidr: 'fdaa::/129' (expected: an IPv6 or IPv4 address, optionally with /prefix)");
        assertThatThrownBy(() -> WgNetlink.setDevice(1, "wg0", List.of("public_key=" + KEY_A, "allowed_ip=example.com/32"), WgNetlink.MAX_MESSAGE))
                .hasMessage("UAPI allowed_ip: cidr: 'example.com/32' (expected: an IPv6 or IPv4 address, optionally with /prefix)");
    }

    @Test
    void aLargeFleetsSetIsSeveralMessagesEachUnderTheLimitWithEveryPeerOnceAndInOrder() {
        List<String> lines = new java.util.ArrayList<>(List.of("private_key=" + KEY_B, "listen_port=51820"));
        for (int i = 0; i < 500; i++) {
            lines.add("public_key=" + String.format("%064x", i + 1));
            lines.add("endpoint=[fd01::1:" + Integer.toHexString(i + 1) + "]:51820");
            lines.add("replace_allowed_ips=true");
            lines.add("allowed_ip=fdaa:0:0:0:" + Integer.toHexString(i + 1) + "::/80");
            lines.add("allowed_ip=fdaa:0:1:0:" + Integer.toHexString(i + 1) + "::/80");
        }
        List<byte[]> messages = WgNetlink.setDevice(0x1b, "wg0", lines, 8192);

        assertThat(messages).hasSizeGreaterThan(1);
        List<String> peers = new java.util.ArrayList<>();
        for (int m = 0; m < messages.size(); m++) {
            ByteBuffer message = ByteBuffer.wrap(messages.get(m)).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(message.capacity()).as("message " + m).isLessThanOrEqualTo(8192);
            assertThat(message.getInt(0)).isEqualTo(message.capacity());
            List<WgNetlink.Attr> attrs = WgNetlink.attrs(message.slice(16, message.capacity() - 16), 4);
            assertThat(attrs.getFirst().type()).as("every message names the device").isEqualTo(2);
            assertThat(attrs.stream().anyMatch(a -> a.type() == 3)).as("the private key in the first message only").isEqualTo(m == 0);
            List<WgNetlink.Attr> peerList = WgNetlink.attrs(attrs.getLast().value(), 0);
            for (int i = 0; i < peerList.size(); i++) {
                assertThat(peerList.get(i).type()).as("peers numbered from 0 in each message").isEqualTo(i);
                List<WgNetlink.Attr> peer = WgNetlink.attrs(peerList.get(i).value(), 0);
                byte[] key = new byte[32];
                peer.getFirst().value().get(0, key);
                peers.add(HexFormat.of().formatHex(key));
                assertThat(peer).extracting(WgNetlink.Attr::type).as("key, flags, endpoint, allowed IPs: whole")
                        .containsExactly(1, 3, 4, 9);
            }
        }
        assertThat(peers).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(peers.get(i)).isEqualTo(String.format("%064x", i + 1));
        }
    }

    private static byte[] only(List<byte[]> messages) {
        assertThat(messages).hasSize(1);
        return messages.getFirst();
    }

    private static void attr(ByteBuffer b, int type, byte[] value) {
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    private static int begin(ByteBuffer b, int type) {
        int start = b.position();
        b.putShort((short) 0).putShort((short) (0x8000 | type));
        return start;
    }

    private static void end(ByteBuffer b, int start) {
        b.putShort(start, (short) (b.position() - start));
    }

    private static void allowedIp(ByteBuffer b, String hex, int mask) {
        int nest = begin(b, 0);
        attr(b, 1, new byte[] {10, 0});
        attr(b, 2, HexFormat.of().parseHex(hex));
        attr(b, 3, new byte[] {(byte) mask});
        end(b, nest);
    }
}

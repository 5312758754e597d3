package dev.fleetnet.core;

/**
 * The fdaa::/16 address plan: {@code fdaa:NNNN:NNNN:HHHH:HHHH:MMMM:MMMM:0000}.
 *
 * <p>A network is one /48, everything of one network on one host is one /80, a machine
 * is one /128. Network 0 is infrastructure; a host's own address is {@code fdaa:0:0:H:H::1}.
 */
public final class AddressPlan {
    /** The whole mesh. */
    public static final String MESH_PREFIX = "fdaa::/16";
    /** The internal DNS service, the same on every host and never routed over the mesh. */
    public static final String DNS_ADDRESS = "fdaa::3";
    /** A guest's next hop on its host-side link, the same on every host. */
    public static final String GATEWAY = "fe80::1";
    /** The infrastructure network. */
    public static final long INFRA_NETWORK = 0;

    public static final int NETWORK_PREFIX_LENGTH = 48;
    public static final int HOST_PREFIX_LENGTH = 80;
    public static final long MAX_NUMBER = 0xffff_ffffL;

    private AddressPlan() {}

    /** The address of machine {@code machine} of network {@code network} on host {@code host}. */
    public static String machineAddress(long network, long host, long machine) {
        checkNumber("network", network, 0);
        checkNumber("host", host, 1);
        checkNumber("machine", machine, 1);
        return Ipv6.format(bytes(network, host, machine, 0));
    }

    /** The host's own address on the infrastructure network, {@code fdaa:0:0:H:H::1}. */
    public static String infraAddress(long host) {
        checkNumber("host", host, 1);
        return Ipv6.format(bytes(INFRA_NETWORK, host, 0, 1));
    }

    /** {@code fdaa:N:N::/48}. */
    public static String networkPrefix(long network) {
        checkNumber("network", network, 0);
        return Ipv6.format(bytes(network, 0, 0, 0)) + "/" + NETWORK_PREFIX_LENGTH;
    }

    /** {@code fdaa:N:N:H:H::/80}: everything of one network on one host. */
    public static String hostPrefix(long network, long host) {
        checkNumber("network", network, 0);
        checkNumber("host", host, 1);
        return Ipv6.format(bytes(network, host, 0, 0)) + "/" + HOST_PREFIX_LENGTH;
    }

    /** Splits a plan address back into its parts; rejects addresses outside fdaa::/16. */
    public static Parts parse(String address) {
        byte[] b = Ipv6.parse(address);
        if ((b[0] & 0xff) != 0xfd || (b[1] & 0xff) != 0xaa) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: inside " + MESH_PREFIX + ")");
        }
        return new Parts(word(b, 2), word(b, 6), word(b, 10), ((b[14] & 0xff) << 8) | (b[15] & 0xff));
    }

    /** The components of a plan address. */
    public record Parts(long network, long host, long machine, int low) {}

    private static byte[] bytes(long network, long host, long machine, int low) {
        byte[] b = new byte[16];
        b[0] = (byte) 0xfd;
        b[1] = (byte) 0xaa;
        putWord(b, 2, network);
        putWord(b, 6, host);
        putWord(b, 10, machine);
        b[14] = (byte) (low >>> 8);
        b[15] = (byte) low;
        return b;
    }

    private static void putWord(byte[] b, int at, long value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    private static long word(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static void checkNumber(String what, long value, long min) {
        if (value < min || value > MAX_NUMBER) {
            throw new IllegalArgumentException(what + " number: " + value + " (expected: " + min + ".." + MAX_NUMBER + ")");
        }
    }
}

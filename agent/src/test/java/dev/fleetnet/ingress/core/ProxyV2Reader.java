package dev.fleetnet.ingress.core;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** A strict reader of a PROXY v2 header (PROXY command, TCP over IPv4/IPv6), written from the spec for tests. */
public final class ProxyV2Reader {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** The source and destination a header carried. */
    public record Header(InetSocketAddress source, InetSocketAddress destination) {}

    private ProxyV2Reader() {}

    public static Header read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] signature = new byte[12];
        in.readFully(signature);
        if (!Arrays.equals(signature, SIGNATURE)) {
            throw new IOException("no PROXY v2 signature: " + Arrays.toString(signature));
        }
        int versionCommand = in.readUnsignedByte();
        int familyProtocol = in.readUnsignedByte();
        int length = in.readUnsignedShort();
        if (versionCommand != 0x21) {
            throw new IOException("version/command: 0x" + Integer.toHexString(versionCommand) + " (expected: 0x21)");
        }
        int addressBytes = switch (familyProtocol) {
            case 0x11 -> 4;
            case 0x21 -> 16;
            default -> throw new IOException("family/protocol: 0x" + Integer.toHexString(familyProtocol));
        };
        if (length != 2 * addressBytes + 4) {
            throw new IOException("length: " + length + " (expected: " + (2 * addressBytes + 4) + ")");
        }
        byte[] src = new byte[addressBytes];
        byte[] dst = new byte[addressBytes];
        in.readFully(src);
        in.readFully(dst);
        int srcPort = in.readUnsignedShort();
        int dstPort = in.readUnsignedShort();
        return new Header(new InetSocketAddress(InetAddress.getByAddress(src), srcPort),
                new InetSocketAddress(InetAddress.getByAddress(dst), dstPort));
    }
}

package dev.fleetnet.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fleetnet.proto.v1.HostView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The file format of the agent's saved view: a view is trusted only when the file is whole,
 * unchanged and this host's. Pure (bytes in, bytes or a verdict out).
 *
 * <pre>
 * offset      size  field
 * 0           8     magic "FNETVIEW"
 * 8           2     format version, big-endian (1)
 * 10          2     host name length n, big-endian
 * 12          n     host name, UTF-8
 * 12+n        4     view length v, big-endian
 * 16+n        v     the HostView, protobuf
 * 16+n+v      32    SHA-256 of every byte before it
 * </pre>
 *
 * The sizes say exactly how long a whole file is, so a truncated one (at any offset) is told
 * from a corrupt one; the digest covers the header too, so a damaged host name or length is
 * caught, and a file of another host is recognised only when it is whole. No plain HostView
 * (the format before this one) can start with the magic: its first byte, {@code 'F'}, would be
 * field 8 with wire type 6, which protobuf does not have.
 */
public final class ViewEnvelope {
    static final byte[] MAGIC = "FNETVIEW".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int DIGEST_BYTES = 32;
    /** Magic, version and host name length: what must be read before the host name. */
    private static final int FIXED_HEADER = MAGIC.length + 2 + 2;

    private ViewEnvelope() {}

    /** Why a saved file is not trusted; {@link #setAsideAs} names the file it is moved to. */
    public enum Kind {
        EMPTY("corrupt"),
        TRUNCATED("corrupt"),
        CORRUPT("corrupt"),
        OLD_FORMAT("old-format"),
        UNKNOWN_VERSION("unknown-version"),
        OTHER_HOST("other-host");

        private final String setAsideAs;

        Kind(String setAsideAs) {
            this.setAsideAs = setAsideAs;
        }

        /** The suffix word of the set-aside file: {@code view.pb.<word>-<time>}. */
        public String setAsideAs() {
            return setAsideAs;
        }
    }

    /** What the bytes of a saved file are. */
    public sealed interface Opened permits Whole, Rejected {}

    /** A whole, unchanged view saved by the expected host. */
    public record Whole(HostView view) implements Opened {}

    /** A file that cannot be trusted: its kind and what exactly was wrong, for the operator. */
    public record Rejected(Kind kind, String detail) implements Opened {
        @Override
        public String toString() {
            return detail;
        }
    }

    /** The file for {@code view}, saved by {@code hostName}. */
    public static byte[] seal(String hostName, HostView view) {
        byte[] host = hostName.getBytes(StandardCharsets.UTF_8);
        if (host.length > 0xFFFF) {
            throw new IllegalArgumentException("host name: " + host.length + " bytes (expected: at most 65535)");
        }
        byte[] body = view.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(FIXED_HEADER + host.length + 4 + body.length + DIGEST_BYTES);
        out.put(MAGIC).putShort((short) VERSION).putShort((short) host.length).put(host).putInt(body.length).put(body);
        out.put(sha256(out.array(), out.position()));
        return out.array();
    }

    /** Checks {@code bytes} in the order that gives the most precise reason: size, magic, version, length, digest, host. */
    public static Opened open(byte[] bytes, String expectedHost) {
        if (bytes.length == 0) {
            return new Rejected(Kind.EMPTY, "empty (0 bytes; expected: a view saved by this agent)");
        }
        int magicBytes = Math.min(bytes.length, MAGIC.length);
        if (!Arrays.equals(bytes, 0, magicBytes, MAGIC, 0, magicBytes)) {
            return notOurs(bytes);
        }
        if (bytes.length < FIXED_HEADER) {
            return truncated(bytes.length, "shorter than the " + FIXED_HEADER + "-byte header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(MAGIC.length);
        int version = Short.toUnsignedInt(in.getShort());
        if (version != VERSION) {
            return new Rejected(Kind.UNKNOWN_VERSION, "format version " + version + " (expected: " + VERSION
                    + "; saved by another fleetnet version, or damaged)");
        }
        int hostBytes = Short.toUnsignedInt(in.getShort());
        if (bytes.length < FIXED_HEADER + hostBytes + 4) {
            return truncated(bytes.length, "shorter than its " + (FIXED_HEADER + hostBytes + 4) + "-byte header");
        }
        in.position(FIXED_HEADER + hostBytes);
        long viewBytes = Integer.toUnsignedLong(in.getInt());
        long whole = FIXED_HEADER + hostBytes + 4L + viewBytes + DIGEST_BYTES;
        if (bytes.length < whole) {
            return truncated(bytes.length, "its header announces " + whole + " bytes");
        }
        if (bytes.length > whole) {
            return new Rejected(Kind.CORRUPT, "corrupt: " + bytes.length + " bytes where its header announces " + whole
                    + " (expected: exactly that many)");
        }
        int digestAt = bytes.length - DIGEST_BYTES;
        byte[] computed = sha256(bytes, digestAt);
        if (!MessageDigest.isEqual(computed, Arrays.copyOfRange(bytes, digestAt, bytes.length))) {
            return new Rejected(Kind.CORRUPT, "corrupt: SHA-256 " + hex(bytes, digestAt) + " stored, " + hex(computed, 0)
                    + " computed (expected: equal)");
        }
        String host = new String(bytes, FIXED_HEADER, hostBytes, StandardCharsets.UTF_8);
        if (!host.equals(expectedHost)) {
            return new Rejected(Kind.OTHER_HOST, "saved by host '" + host + "' (expected: '" + expectedHost + "')");
        }
        try {
            return new Whole(HostView.parseFrom(ByteBuffer.wrap(bytes, FIXED_HEADER + hostBytes + 4, (int) viewBytes)));
        } catch (InvalidProtocolBufferException e) {
            return new Rejected(Kind.CORRUPT, "corrupt: the checksum matches but the view does not parse (" + e.getMessage()
                    + "; expected: a HostView)");
        }
    }

    /** Bytes that do not start with the magic: a plain HostView of the previous format, or not a view at all. */
    private static Rejected notOurs(byte[] bytes) {
        try {
            HostView old = HostView.parseFrom(bytes);
            return new Rejected(Kind.OLD_FORMAT, "a plain HostView of the previous format (host '" + old.getHostName()
                    + "', revision " + old.getRevision() + ", " + bytes.length
                    + " bytes) with no length or checksum: a truncated one parses as a smaller view, so it cannot be"
                    + " trusted (expected: the checksummed format, written from now on)");
        } catch (InvalidProtocolBufferException e) {
            return new Rejected(Kind.CORRUPT, "not a saved view: starts with " + hex(bytes, 0, Math.min(bytes.length, 8))
                    + " (expected: the magic " + new String(MAGIC, StandardCharsets.US_ASCII) + ")");
        }
    }

    private static Rejected truncated(int length, String why) {
        return new Rejected(Kind.TRUNCATED, "truncated: " + length + " bytes, " + why);
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String hex(byte[] bytes, int from) {
        return hex(bytes, from, bytes.length - from);
    }

    private static String hex(byte[] bytes, int from, int length) {
        return HexFormat.of().formatHex(bytes, from, from + length);
    }
}

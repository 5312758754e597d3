package dev.fleetnet.agent.wireguard;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A generic netlink socket to the kernel (libc through JNA): sends one request and collects its
 * replies until the kernel's acknowledgement, its error, or the end of a dump. One caller at a
 * time; the socket is in the network namespace of the thread that opens it.
 */
final class GenlSocket implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_GENERIC = 16;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] address, int length) throws LastErrorException;

        long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

        long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

        int close(int fd);
    }

    private static final LibC LIBC = Native.load("c", LibC.class);
    private final int fd;
    private int seq = (int) (System.nanoTime() & 0x7fffffff);

    GenlSocket() throws IOException {
        try {
            fd = LIBC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
            byte[] local = new byte[12]; // sockaddr_nl: family, pad, port id 0 (the kernel assigns one), no groups
            local[0] = AF_NETLINK;
            LIBC.bind(fd, local, local.length);
        } catch (LastErrorException e) {
            throw new IOException("generic netlink: cannot open a socket (errno " + e.getErrorCode() + ")", e);
        }
    }

    /**
     * Sends {@code message} under the next sequence number (written into it) and returns the
     * payloads of the replies to it (each after its 16-byte netlink header). A kernel error
     * becomes an {@link IOException} naming {@code what} and the errno.
     */
    List<ByteBuffer> request(String what, byte[] message) throws IOException {
        int seq = ++this.seq;
        ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).putInt(WgNetlink.SEQ_OFFSET, seq);
        try {
            LIBC.send(fd, message, message.length, 0);
        } catch (LastErrorException e) {
            throw new IOException(what + ": send failed (errno " + e.getErrorCode() + ")", e);
        }
        List<ByteBuffer> replies = new ArrayList<>();
        byte[] buffer = new byte[64 * 1024];
        while (true) {
            long n;
            try {
                n = LIBC.recv(fd, buffer, buffer.length, 0);
            } catch (LastErrorException e) {
                throw new IOException(what + ": receive failed (errno " + e.getErrorCode() + ")", e);
            }
            ByteBuffer in = ByteBuffer.wrap(buffer, 0, (int) n).order(ByteOrder.LITTLE_ENDIAN);
            for (Reply reply : replies(in)) {
                if (reply.seq() != seq) {
                    continue; // an answer to an earlier request that gave up: not ours
                }
                switch (reply.type()) {
                    case WgNetlink.NLMSG_DONE -> {
                        return replies;
                    }
                    case WgNetlink.NLMSG_ERROR -> {
                        int errno = -reply.payload().getInt(0);
                        if (errno == 0) {
                            return replies; // the acknowledgement
                        }
                        throw new NetlinkError(what, errno);
                    }
                    default -> replies.add(copy(reply.payload()));
                }
            }
        }
    }

    /** One message of a receive: its type, sequence number and what follows its header. */
    record Reply(int type, int seq, ByteBuffer payload) {}

    /** The messages in one receive, each 4-byte aligned. */
    static List<Reply> replies(ByteBuffer in) {
        List<Reply> out = new ArrayList<>();
        int at = in.position();
        while (at + WgNetlink.NLMSG_HDRLEN <= in.limit()) {
            int len = in.getInt(at);
            if (len < WgNetlink.NLMSG_HDRLEN || at + len > in.limit()) {
                throw new IllegalArgumentException("netlink message of length " + len + " (expected: "
                        + WgNetlink.NLMSG_HDRLEN + ".." + (in.limit() - at) + ")");
            }
            out.add(new Reply(Short.toUnsignedInt(in.getShort(at + 4)), in.getInt(at + 8),
                    in.slice(at + WgNetlink.NLMSG_HDRLEN, len - WgNetlink.NLMSG_HDRLEN).order(ByteOrder.LITTLE_ENDIAN)));
            at += WgNetlink.align(len);
        }
        return out;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        c.put(b.duplicate()).flip();
        return c;
    }

    @Override
    public void close() {
        LIBC.close(fd);
    }

    /** The kernel refused a request: {@code errno} as it answered (2: no such family or device, 19: no such device). */
    static final class NetlinkError extends IOException {
        final int errno;

        NetlinkError(String what, int errno) {
            super(what + ": the kernel answered errno " + errno + (errno == 2 ? " (ENOENT: no such family or object)"
                    : errno == 19 ? " (ENODEV: no such device)" : errno == 1 ? " (EPERM)" : errno == 22 ? " (EINVAL)" : ""));
            this.errno = errno;
        }
    }
}

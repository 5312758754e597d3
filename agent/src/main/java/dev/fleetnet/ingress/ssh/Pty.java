package dev.fleetnet.ingress.ssh;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A pseudo-terminal from libc (posix_openpt) with a process on its slave side as the controlling
 * terminal ({@code setsid --ctty --wait}). Why not pty4j: 0.12.35 needs JetBrains' purejavacomm
 * fork, which Maven Central does not serve, and upstream purejavacomm does not run on JNA 5.
 * Window size changes go to the master ({@code TIOCSWINSZ}); the kernel signals the foreground
 * process group (SIGWINCH).
 */
final class Pty implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final long TIOCSWINSZ = 0x5414;

    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int posix_openpt(int flags);
        int grantpt(int fd);
        int unlockpt(int fd);
        int ptsname_r(int fd, byte[] buffer, NativeLong length);
        int ioctl(int fd, NativeLong request, Pointer argument);
        NativeLong read(int fd, byte[] buffer, NativeLong count);
        NativeLong write(int fd, byte[] buffer, NativeLong count);
        int close(int fd);
    }

    private final int master;
    private final Process process;
    private volatile boolean closed;

    private Pty(int master, Process process) {
        this.master = master;
        this.process = process;
    }

    /** Starts {@code command} on a new PTY of {@code columns} x {@code rows}. */
    static Pty start(List<String> command, java.util.Map<String, String> environment, int columns, int rows) throws IOException {
        int master = LibC.C.posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0) {
            throw new IOException("posix_openpt failed: errno " + Native.getLastError());
        }
        try {
            byte[] name = new byte[128];
            if (LibC.C.grantpt(master) != 0 || LibC.C.unlockpt(master) != 0 || LibC.C.ptsname_r(master, name, new NativeLong(name.length)) != 0) {
                throw new IOException("cannot set up the PTY: errno " + Native.getLastError());
            }
            String slave = Native.toString(name, StandardCharsets.US_ASCII.name());
            resize(master, columns, rows);
            List<String> argv = new ArrayList<>(List.of("setsid", "--ctty", "--wait"));
            argv.addAll(command);
            ProcessBuilder builder = new ProcessBuilder(argv).directory(new File("/"))
                    .redirectInput(new File(slave)).redirectOutput(new File(slave)).redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(environment);
            return new Pty(master, builder.start());
        } catch (IOException | RuntimeException e) {
            LibC.C.close(master);
            throw e;
        }
    }

    Process process() {
        return process;
    }

    void resize(int columns, int rows) {
        if (!closed) {
            resize(master, columns, rows);
        }
    }

    private static void resize(int fd, int columns, int rows) {
        Memory size = new Memory(8);
        size.setShort(0, (short) rows);
        size.setShort(2, (short) columns);
        size.setShort(4, (short) 0);
        size.setShort(6, (short) 0);
        LibC.C.ioctl(fd, new NativeLong(TIOCSWINSZ), size);
    }

    /** What the process writes; ends when every holder of the slave side is gone. Blocking: use a platform thread. */
    InputStream output() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (closed) {
                    return -1;
                }
                byte[] buffer = off == 0 ? b : new byte[len];
                long n = LibC.C.read(master, buffer, new NativeLong(len)).longValue();
                if (n <= 0) {
                    return -1; // EIO once the slave side is closed: the process is gone
                }
                if (buffer != b) {
                    System.arraycopy(buffer, 0, b, off, (int) n);
                }
                return (int) n;
            }
        };
    }

    /** Keystrokes for the process. */
    OutputStream input() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                byte[] data = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
                int written = 0;
                while (written < len && !closed) {
                    byte[] rest = written == 0 ? data : java.util.Arrays.copyOfRange(data, written, len);
                    long n = LibC.C.write(master, rest, new NativeLong(len - written)).longValue();
                    if (n < 0) {
                        throw new IOException("PTY write failed: errno " + Native.getLastError());
                    }
                    written += (int) n;
                }
            }
        };
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.C.close(master);
        }
    }
}

package dev.fleetnet.netns;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs tasks inside a named network namespace on a dedicated thread that entered it with
 * {@code setns(2)}, while the rest of the process stays where it is. A socket belongs to the
 * namespace of the thread that created it, so a server socket opened in a task listens inside
 * the namespace; threads a task starts inherit the namespace too. One thread per namespace,
 * kept until {@link #release} or {@link #close}, never shared with other work. A namespace
 * deleted and made again under the same name gets a fresh thread.
 */
public final class NamespaceRunner implements AutoCloseable {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private final Map<String, Entered> threads = new ConcurrentHashMap<>();

    /** The libc calls used, bound with JNA. */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    /** A thread inside a namespace, and the namespace's inode it entered. */
    private record Entered(ExecutorService executor, Thread thread, long inode) {}

    /**
     * Runs {@code task} inside {@code namespace} and returns its result; the task's own exception
     * is rethrown as is. A call from inside a task for the same namespace runs directly.
     */
    public <T> T call(String namespace, Callable<T> task) throws Exception {
        long inode = inode(LinuxNames.requireNamespace(namespace));
        Entered entered = threads.compute(namespace, (name, current) -> {
            if (current != null && current.inode() == inode) {
                return current;
            }
            if (current != null) {
                current.executor().shutdown(); // that namespace is gone; its thread ends after its queue
            }
            return enter(name);
        });
        if (Thread.currentThread() == entered.thread()) {
            return task.call();
        }
        try {
            return entered.executor().submit(task).get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case Exception cause -> throw cause;
                case Error error -> throw error;
                case null, default -> throw e;
            }
        }
    }

    /** Ends the thread kept for {@code namespace}, if any, once its queued tasks are done. */
    public void release(String namespace) {
        Entered entered = threads.remove(namespace);
        if (entered != null) {
            entered.executor().shutdown();
        }
    }

    @Override
    public void close() {
        for (String namespace : List.copyOf(threads.keySet())) {
            release(namespace);
        }
    }

    private static long inode(String namespace) {
        Path file = NETNS_DIR.resolve(namespace);
        try {
            return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        } catch (NoSuchFileException e) {
            throw new NetworkingException("namespace " + namespace + ": " + file
                    + " does not exist (expected: a namespace made with `ip netns add " + namespace + "`)", e);
        } catch (IOException e) {
            throw new NetworkingException("namespace " + namespace + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Entered enter(String namespace) {
        AtomicReference<Thread> thread = new AtomicReference<>();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + namespace);
            t.setDaemon(true);
            thread.set(t);
            return t;
        });
        try {
            long inode = executor.submit(() -> setns(namespace)).get();
            return new Entered(executor, thread.get(), inode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
            throw new NetworkingException("interrupted entering namespace " + namespace, e);
        } catch (ExecutionException e) {
            executor.shutdownNow();
            throw e.getCause() instanceof NetworkingException n ? n
                    : new NetworkingException("cannot enter namespace " + namespace + ": " + e.getCause(), e.getCause());
        }
    }

    /** Moves the calling thread into the namespace; returns the inode of the namespace it is now in. */
    private static long setns(String namespace) throws IOException {
        String path = NETNS_DIR.resolve(namespace).toString();
        int fd = LibC.INSTANCE.open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new NetworkingException("cannot open " + path + ": errno " + Native.getLastError()
                    + " (expected: a namespace made with `ip netns add " + namespace + "`)");
        }
        try {
            if (LibC.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                throw new NetworkingException("setns(" + path + ", CLONE_NEWNET): errno " + Native.getLastError()
                        + " (expected: running as root, or with CAP_SYS_ADMIN)");
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
        // "net:[4026532281]": the namespace this thread is in now.
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }
}

package dev.fleetnet.netns;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs tasks inside a named network namespace on a dedicated thread that entered it with
 * {@code setns(2)}. A socket belongs to the namespace of the thread that created it, so a
 * server bound in such a task listens inside the namespace while the process stays outside.
 * One thread per namespace, kept for the runner's life and never shared with other work.
 */
public final class NamespaceRunner implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private final Map<String, ExecutorService> threads = new ConcurrentHashMap<>();

    /** The libc calls used, bound with JNA. */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    /** Runs {@code task} inside {@code namespace} and returns its result; its exception is rethrown. */
    public <T> T call(String namespace, Callable<T> task) throws Exception {
        try {
            return threads.computeIfAbsent(namespace, this::enter).submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private ExecutorService enter(String namespace) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + namespace);
            t.setDaemon(true);
            return t;
        });
        try {
            thread.submit(() -> {
                String path = IpRouteNetworking.NETNS_DIR.resolve(namespace).toString();
                int fd = LibC.INSTANCE.open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    throw new NetworkingException("cannot open " + path + ": errno " + Native.getLastError()
                            + " (expected: a namespace made with `ip netns add " + namespace + "`)");
                }
                try {
                    if (LibC.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                        throw new NetworkingException("setns(" + path + ", CLONE_NEWNET): errno " + Native.getLastError()
                                + " (expected: running as root)");
                    }
                } finally {
                    LibC.INSTANCE.close(fd);
                }
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
            throw new NetworkingException("interrupted entering namespace " + namespace, e);
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw e.getCause() instanceof NetworkingException n ? n
                    : new NetworkingException("cannot enter namespace " + namespace + ": " + e.getCause(), e.getCause());
        }
        return thread;
    }

    @Override
    public void close() {
        for (ExecutorService thread : List.copyOf(threads.values())) {
            thread.shutdownNow();
        }
        threads.clear();
    }
}

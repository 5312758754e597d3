package dev.fleetnet.ingress.observe;

import dev.fleetnet.ingress.core.IngressObserver;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per HTTP request or TCP/passthrough connection. Event loops only
 * enqueue the record (never block: when the bounded queue is full the line is dropped and
 * counted); the one "access-log" thread formats and writes. A file is opened in append mode;
 * rotating it is the operator's business: after moving it away, {@link #reopen()} (the agent
 * calls it on SIGHUP) starts a new file.
 */
public final class AccessLog implements IngressObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    public static final int DEFAULT_QUEUE = 16_384;
    private final BlockingQueue<Object> queue;
    private final LongAdder dropped = new LongAdder();
    /** Access-log thread only (swapped on reopen). */
    private Writer out;
    private final boolean closeOut;
    /** The file written, or null for standard output and tests. */
    private final Path file;
    private volatile boolean reopenRequested;
    private final Thread thread;
    private volatile boolean closing;

    private AccessLog(Writer out, boolean closeOut, int capacity, Path file) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.out = out;
        this.closeOut = closeOut;
        this.file = file;
        this.thread = new Thread(this::run, "access-log");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** {@code "-"}: standard output; otherwise a file, created if missing and appended to. */
    public static AccessLog open(String target) throws IOException {
        if (target.equals("-")) {
            return new AccessLog(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), false, DEFAULT_QUEUE,
                    null);
        }
        Path file = Path.of(target);
        try {
            return new AccessLog(append(file), true, DEFAULT_QUEUE, file);
        } catch (IOException e) {
            throw new IOException("--access-log: '" + target + "' (expected: a file this agent can append to, or '-'; " + e + ")");
        }
    }

    private static Writer append(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    /** Closes the file and opens it again by name (after rotation); nothing happens for standard output. */
    public void reopen() {
        reopenRequested = true;
    }

    /** Whether this log writes to a file (which {@link #reopen()} reopens). */
    public boolean toFile() {
        return file != null;
    }

    /** Writes to {@code out} through a queue of {@code capacity} records (tests). */
    public static AccessLog to(Writer out, int capacity) {
        return new AccessLog(out, false, capacity, null);
    }

    @Override
    public void request(RequestRecord record) {
        enqueue(record);
    }

    @Override
    public void connectionClosed(ConnectionRecord record) {
        enqueue(record);
    }

    private void enqueue(Object record) {
        if (closing || !queue.offer(record)) {
            dropped.increment();
        }
    }

    /** Lines lost because the queue was full (or the log closed). */
    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        StringBuilder line = new StringBuilder(256);
        try {
            while (true) {
                if (reopenRequested) {
                    reopenRequested = false;
                    reopenNow();
                }
                Object next = queue.poll();
                if (next == null) {
                    out.flush(); // idle: what was written becomes visible
                    if (closing) {
                        return;
                    }
                    next = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        continue;
                    }
                }
                if (reopenRequested) { // a record that came while waiting goes to the new file
                    reopenRequested = false;
                    reopenNow();
                }
                line.setLength(0);
                if (next instanceof RequestRecord r) {
                    AccessLogLines.request(line, r);
                } else if (next instanceof ConnectionRecord c) {
                    AccessLogLines.connection(line, c);
                }
                out.append(line).append('\n');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("access log: writing failed, no more lines are written: {}", e.toString());
        }
    }

    /** Access-log thread. A file that cannot be opened again keeps the old one (lines still land somewhere). */
    private void reopenNow() throws IOException {
        if (file == null) {
            return;
        }
        Writer next;
        try {
            next = append(file);
        } catch (IOException e) {
            log.error("access log: cannot reopen {} ({}); still writing to the file opened before", file, e.toString());
            return;
        }
        out.close();
        out = next;
        log.info("access log: reopened {}", file);
    }

    /** Writes what is queued, then stops the thread and closes the file. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
            if (closeOut) {
                out.close();
            } else {
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("access log: closing failed: {}", e.toString());
        }
    }
}

package dev.fleetnet.ingress.console;

import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * Keystrokes on their way from the WebSocket (the event loop offers them) to the machine's process
 * (its input thread reads them). Bounded without blocking the event loop: {@link #offer} says when
 * the queue is past its high mark, so the caller stops reading the socket, and {@code resume}
 * runs once a read brings it back under the low mark. Thread-safe; guarded by this object.
 */
final class ConsoleInput extends InputStream {
    static final int HIGH = 256 * 1024;
    static final int LOW = 64 * 1024;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final Runnable resume;
    private int queued;
    private int position;
    private boolean closed;
    private boolean paused;

    ConsoleInput(Runnable resume) {
        this.resume = resume;
    }

    /** Queues {@code bytes}; true when the caller should stop reading until {@code resume} runs. */
    synchronized boolean offer(byte[] bytes) {
        if (closed || bytes.length == 0) {
            return false;
        }
        chunks.addLast(bytes);
        queued += bytes.length;
        notifyAll();
        paused = queued > HIGH;
        return paused;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        boolean wake;
        int n;
        synchronized (this) {
            while (chunks.isEmpty() && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            if (chunks.isEmpty()) {
                return -1;
            }
            byte[] head = chunks.peekFirst();
            n = Math.min(len, head.length - position);
            System.arraycopy(head, position, b, off, n);
            position += n;
            if (position == head.length) {
                chunks.removeFirst();
                position = 0;
            }
            queued -= n;
            wake = paused && queued < LOW;
            if (wake) {
                paused = false;
            }
        }
        if (wake) {
            resume.run();
        }
        return n;
    }

    /** End of input: the reader gets -1 once the queue is empty. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    synchronized int queued() {
        return queued;
    }
}

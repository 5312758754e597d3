package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * An event loop's buffer for the bytes a connection makes to write next (a request head, a
 * response head with small body parts), used again once the write it went with has let go of
 * it. A head is written and flushed before the loop turns to the next connection, so while the
 * socket takes each write whole, the usual case, a request costs no buffer from the pool; while
 * the last one is still queued (or held by TLS), the next caller gets a fresh one, which the
 * loop keeps from then on. Released when the loop's thread ends.
 */
final class ReusableBuffer {
    /** A buffer grown past this (a long head, many small parts) goes back to the pool after its write, not kept. */
    private static final int MAX_KEPT = 16 * 1024;
    private static final int INITIAL_CAPACITY = 512;
    private static final FastThreadLocal<ReusableBuffer> LOOP = new FastThreadLocal<>() {
        @Override
        protected ReusableBuffer initialValue() {
            return new ReusableBuffer();
        }

        @Override
        protected void onRemoval(ReusableBuffer value) {
            value.release();
        }
    };
    /** The loop's (one reference), and the last write's while it still holds its own. */
    private ByteBuf buffer;

    private ReusableBuffer() {}

    /**
     * An empty buffer with room for at least {@code bytes}, for the caller to fill and write on
     * this thread's loop: the write releases the reference it gets, as with any buffer.
     */
    static ByteBuf take(ByteBufAllocator alloc, int bytes) {
        return LOOP.get().next(alloc, bytes);
    }

    private ByteBuf next(ByteBufAllocator alloc, int bytes) {
        ByteBuf b = buffer;
        if (b != null && b.refCnt() == 1 && b.capacity() <= MAX_KEPT) { // no write holds it any more
            b.clear().ensureWritable(bytes);
        } else {
            if (b != null) {
                b.release(); // the write still holding it releases the rest
            }
            b = alloc.ioBuffer(Math.max(bytes, INITIAL_CAPACITY));
            buffer = b;
        }
        return b.retain();
    }

    private void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}

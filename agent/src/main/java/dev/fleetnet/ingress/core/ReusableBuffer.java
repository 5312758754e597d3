package dev.fleetnet.ingress.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * An event loop's buffer, used again once whatever it was handed to has let go of it. Two kinds
 * per loop: {@link #WRITES}, for the bytes a connection makes to write next (a request head, a
 * response head with small body parts), and {@link #READS}, for what a connection's next read
 * fills (see {@link ReceiveBuffers}). A head is written and flushed, and a read's bytes are
 * parsed or copied, before the loop turns to the next connection, so in the usual case a request
 * costs no buffer from the pool; while the last one is still held (a queued write, TLS, a
 * decoder keeping part of a request, a body part on its way to the other side), the next caller
 * gets a fresh one, which the loop keeps from then on. Released when the loop's thread ends.
 */
public final class ReusableBuffer {
    /** What a connection writes next; a buffer grown past 16 KiB goes back to the pool after its write. */
    public static final Slot WRITES = new Slot(16 * 1024, 512);
    /** What a connection's next read fills; kept up to the largest read a connection asks for (64 KiB). */
    public static final Slot READS = new Slot(64 * 1024, 2048);

    private final int maxKept;
    private final int initialCapacity;
    /** The loop's (one reference), and its last taker's while that still holds its own. */
    private ByteBuf buffer;

    private ReusableBuffer(int maxKept, int initialCapacity) {
        this.maxKept = maxKept;
        this.initialCapacity = initialCapacity;
    }

    /** One kind of buffer, one per event loop. */
    public static final class Slot {
        private final FastThreadLocal<ReusableBuffer> loop;

        private Slot(int maxKept, int initialCapacity) {
            this.loop = new FastThreadLocal<>() {
                @Override
                protected ReusableBuffer initialValue() {
                    return new ReusableBuffer(maxKept, initialCapacity);
                }

                @Override
                protected void onRemoval(ReusableBuffer value) {
                    value.release();
                }
            };
        }

        /**
         * An empty buffer with room for at least {@code bytes}, for the caller to fill on this
         * thread's loop and pass on: whoever it is passed to releases the reference it gets, as
         * with any buffer.
         */
        public ByteBuf take(ByteBufAllocator alloc, int bytes) {
            return loop.get().next(alloc, bytes);
        }
    }

    private ByteBuf next(ByteBufAllocator alloc, int bytes) {
        ByteBuf b = buffer;
        if (b != null && b.refCnt() == 1 && b.capacity() <= maxKept) { // nobody else holds it any more
            b.clear().ensureWritable(bytes);
        } else {
            if (b != null) {
                b.release(); // whoever still holds it releases the rest
            }
            b = alloc.ioBuffer(Math.max(bytes, initialCapacity));
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

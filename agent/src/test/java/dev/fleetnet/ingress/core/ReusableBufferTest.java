package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReusableBufferTest {
    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);

    @AfterEach
    void endOfThread() {
        FastThreadLocal.removeAll(); // as when a loop's thread ends: the loop's buffer goes back
    }

    @Test
    void aBufferTheLastWriteLetGoOfComesBackEmpty() {
        ByteBuf first = ReusableBuffer.WRITES.take(alloc, 64);
        first.writeBytes(new byte[] {'G', 'E', 'T'});
        first.release(); // the write sent it
        ByteBuf second = ReusableBuffer.WRITES.take(alloc, 64);
        assertThat(second).isSameAs(first);
        assertThat(second.readableBytes()).isZero();
        assertThat(second.refCnt()).as("the loop's and the caller's").isEqualTo(2);
        second.release();
    }

    @Test
    void aBufferAWriteStillHoldsIsNeverHandedOutAgain() {
        ByteBuf queued = ReusableBuffer.WRITES.take(alloc, 64);
        queued.writeBytes(new byte[] {'1', '2', '3'});
        ByteBuf next = ReusableBuffer.WRITES.take(alloc, 64); // the first is still queued: not released
        assertThat(next).isNotSameAs(queued);
        assertThat(queued.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("123");
        assertThat(queued.refCnt()).as("the loop let go of it; the write keeps it").isEqualTo(1);
        queued.release();
        assertThat(queued.refCnt()).isZero();
        next.release();
        assertThat(ReusableBuffer.WRITES.take(alloc, 64)).as("the newer one is the loop's now").isSameAs(next);
        next.release();
    }

    @Test
    void roomIsMadeForWhatIsAskedAndAGrownBufferIsNotKept() {
        ByteBuf small = ReusableBuffer.WRITES.take(alloc, 64);
        small.release();
        ByteBuf large = ReusableBuffer.WRITES.take(alloc, 4096);
        assertThat(large).isSameAs(small);
        assertThat(large.writableBytes()).isGreaterThanOrEqualTo(4096);
        large.writeBytes(new byte[40 * 1024]); // grows past what a loop keeps
        large.release();
        ByteBuf after = ReusableBuffer.WRITES.take(alloc, 64);
        assertThat(after).isNotSameAs(large);
        assertThat(large.refCnt()).as("back to the pool").isZero();
        after.release();
    }
}

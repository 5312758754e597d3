package dev.fleetnet.ingress.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * netty's adaptive read sizing, with each read filling the loop's {@link ReusableBuffer#READS}
 * buffer instead of a new one from the pool: a request head or a response is parsed (or copied)
 * and its buffer let go of before the loop reads again, so a keep-alive exchange takes no buffer
 * from the pool for its reads. A read whose bytes are still held (part of a head, a body part on
 * its way, TLS records) leaves the next read a fresh buffer. Measured in bench/ingress's setup:
 * the pool's allocation and release were about a tenth of the ingress's user time per request.
 */
public final class ReceiveBuffers implements RecvByteBufAllocator {
    private final AdaptiveRecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator();

    @Override
    public Handle newHandle() {
        return new ReusingHandle((ExtendedHandle) sizing.newHandle());
    }

    /**
     * netty's handle in all but where the bytes go (written out: netty's {@code DelegatingHandle}
     * is not an {@code ExtendedHandle}, which the epoll transport requires).
     */
    private static final class ReusingHandle implements ExtendedHandle {
        private final ExtendedHandle sizing;

        ReusingHandle(ExtendedHandle sizing) {
            this.sizing = sizing;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return ReusableBuffer.READS.take(alloc, sizing.guess());
        }

        @Override
        public int guess() {
            return sizing.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            sizing.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            sizing.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            sizing.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return sizing.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            sizing.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return sizing.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return sizing.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return sizing.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            sizing.readComplete();
        }
    }
}

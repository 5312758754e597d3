package dev.fleetnet.ingress.console;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Terminal output on its way to the browser: each write is one binary frame. A writer (the
 * process's output thread) waits while the connection cannot take more, so a fast process is
 * slowed down to the browser's pace rather than buffered without bound. Thread-safe.
 */
final class ConsoleOutput extends OutputStream {
    private final Channel channel;
    /** Waited on by writers while the channel is not writable; notified on writability changes and the close. */
    private final Object writable = new Object();

    ConsoleOutput(Channel channel) {
        this.channel = channel;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        synchronized (writable) {
            while (channel.isActive() && !channel.isWritable()) {
                try {
                    writable.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the browser was slow to read");
                }
            }
        }
        if (!channel.isActive()) {
            throw new IOException("the console's connection is closed");
        }
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.copiedBuffer(b, off, len)));
    }

    /** The channel's writability changed or it closed: writers look again. */
    void wake() {
        synchronized (writable) {
            writable.notifyAll();
        }
    }
}

package dev.fleetnet.ingress.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Messages a client connection decoded ahead of their turn (body parts while the upstream
 * connects, pipelined requests while a response is under way), in order, with the bytes they
 * hold counted so the connection can stop reading past a bound. Loop-confined.
 */
final class DeferredInput {
    /** Past this much waiting body, or this many messages, the client is not read until some are consumed. */
    static final int MAX_BYTES = 256 * 1024;
    static final int MAX_MESSAGES = 64;
    private final ArrayDeque<Object> messages = new ArrayDeque<>();
    private int bytes;

    void add(Object msg) {
        messages.addLast(msg);
        if (msg instanceof HttpContent c) {
            bytes += c.content().readableBytes();
        }
    }

    Object poll() {
        Object msg = messages.pollFirst();
        if (msg instanceof HttpContent c) {
            bytes -= c.content().readableBytes();
        }
        return msg;
    }

    Object peek() {
        return messages.peekFirst();
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    /** True when reading the client must pause until some of this is consumed. */
    boolean full() {
        return bytes > MAX_BYTES || messages.size() > MAX_MESSAGES;
    }

    /** Drops everything still waiting (the connection closed). */
    void releaseAll() {
        while (!messages.isEmpty()) {
            ReferenceCountUtil.release(poll());
        }
    }
}

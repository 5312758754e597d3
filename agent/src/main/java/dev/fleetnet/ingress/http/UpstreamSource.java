package dev.fleetnet.ingress.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * Where an exchange gets the channel it sends its request on, and gives it back: a pooled
 * HTTP/1.1 connection ({@link UpstreamPool}) or an HTTP/2 stream to an h2c machine
 * ({@link H2cStreams}). Either way the channel carries netty's HTTP/1 objects and ends its
 * pipeline with an {@link UpstreamHandler}. Threading: the client connection's event loop.
 */
interface UpstreamSource {

    Future<Channel> acquire(InetSocketAddress upstream);

    /** An open idle channel to {@code upstream} taken now, or null (then {@link #acquire}): the common case costs no future. */
    default Channel pollIdle(InetSocketAddress upstream) {
        return null;
    }

    /** After an exchange; {@code reusable} only if its last response ended cleanly. */
    void release(InetSocketAddress upstream, Channel channel, boolean reusable);
}

package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A hostname the ingress serves itself instead of routing it to a machine (the web console): it
 * answers a request head with a response, or takes the connection over (a WebSocket). Consulted
 * after the request checks and before any route, on both listeners and for HTTP/2 streams.
 */
public interface LocalSite {
    /** No hostname of its own. */
    LocalSite NONE = new LocalSite() {
        @Override
        public boolean serves(String host) {
            return false;
        }

        @Override
        public Answer answer(HttpRequest request, String host, String target, String scheme, ByteBufAllocator alloc) {
            throw new IllegalStateException("serves no hostname");
        }
    };

    /** What the site does with one request. */
    sealed interface Answer {}

    /** Send {@code response}; the connection stays open when the client keeps it alive. */
    record Respond(FullHttpResponse response) implements Answer {}

    /**
     * The connection leaves the proxy for {@code handler}, which gets this request head and what
     * follows it. Only an HTTP/1.1 connection can be taken over; an HTTP/2 stream is refused.
     */
    record TakeOver(ChannelHandler handler) implements Answer {}

    /** True when {@code host} (lower case, without port) is this site's. */
    boolean serves(String host);

    /** The answer to a request for {@code host} and {@code target} (path and query) on a listener of {@code scheme}. */
    Answer answer(HttpRequest request, String host, String target, String scheme, ByteBufAllocator alloc);
}

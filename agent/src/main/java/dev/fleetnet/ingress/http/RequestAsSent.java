package dev.fleetnet.ingress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A request as the client sent it, read before admission rewrote its head for the machine (its
 * target, Host, version and Connection): what the observer records, and what the response's
 * framing and the connection's fate depend on. {@code startNanos}: System.nanoTime() when its
 * head was read.
 */
record RequestAsSent(String uri, String host, String version, boolean keepAlive, long startNanos) {
    static RequestAsSent of(HttpRequest request, long startNanos) {
        return new RequestAsSent(request.uri(), request.headers().get(HttpHeaderNames.HOST), request.protocolVersion().text(),
                HttpUtil.isKeepAlive(request), startNanos);
    }

    /** The client spoke HTTP/1.1 (chunked bodies and persistent connections by default), not HTTP/1.0. */
    boolean http11() {
        return HttpVersion.HTTP_1_1.text().equals(version);
    }
}

package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The ingress's own responses: JSON errors {@code {"error", "machine", "port"}} and the health answer. */
final class ErrorResponses {
    /** The methods the ingress takes, as its Allow field lists them (RFC 9110 10.2.1): no CONNECT, no TRACE. */
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private ErrorResponses() {}

    static FullHttpResponse error(ByteBufAllocator alloc, int status, String error, String machine, Integer port) {
        String json = "{\"error\": " + quote(error) + ", \"machine\": " + (machine == null ? "null" : quote(machine))
                + ", \"port\": " + (port == null ? "null" : port) + "}\n";
        FullHttpResponse response = json(alloc, HttpResponseStatus.valueOf(status), json);
        if (status == 405) { // RFC 9110 15.5.6: a 405 lists the methods there are
            response.headers().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
        }
        return response;
    }

    /** {@code OPTIONS *} (or OPTIONS with {@code Max-Forwards: 0}): what the ingress itself allows. */
    static FullHttpResponse options(ByteBufAllocator alloc) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, alloc.buffer(0));
        response.headers().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    static FullHttpResponse health(ByteBufAllocator alloc) {
        return json(alloc, HttpResponseStatus.OK, "{\"status\": \"ok\"}\n");
    }

    private static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String body) {
        ByteBuf content = alloc.buffer(body.length());
        content.writeCharSequence(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}

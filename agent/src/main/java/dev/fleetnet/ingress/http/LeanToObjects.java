package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * A machine's HTTP/1.1 response as read by {@link ResponseReader}, turned into netty's HTTP
 * objects for a client that takes them (an HTTP/2 stream): the head without its hop-by-hop
 * fields, the body's data (dechunked), trailers on the last content. One per exchange.
 */
final class LeanToObjects {
    private HttpHeaders trailers;

    /** The object for {@code part} ({@link ResponseReader}'s head, data, trailers or end), or null when it makes none. */
    HttpObject next(Object part) {
        if (part instanceof ByteBuf data) {
            return new DefaultHttpContent(data);
        }
        if (part instanceof ResponseHead head) {
            return response(head);
        }
        if (part instanceof ResponseReader.Trailers section) {
            trailers = fields(section.lines());
            section.lines().release();
            return null;
        }
        if (part == ResponseReader.END) {
            return trailers == null ? LastHttpContent.EMPTY_LAST_CONTENT : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers);
        }
        throw new IllegalArgumentException("not a part of a response: " + part);
    }

    private static HttpResponse response(ResponseHead head) {
        byte[] b = head.bytes();
        HttpResponseStatus status = new HttpResponseStatus(head.status(),
                new String(b, head.reasonStart(), head.reasonEnd() - head.reasonStart(), StandardCharsets.ISO_8859_1));
        // an interim response is whole as it is: the proxy skips it and waits for the final one
        HttpResponse response = head.status() < 200
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER)
                : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        for (int i = 0, n = head.fieldCount(); i < n; i++) {
            if (head.kind(i) != ResponseHead.HOP) {
                int nameEnd = indexOf(b, head.lineStart(i), ':');
                response.headers().add(new String(b, head.lineStart(i), nameEnd - head.lineStart(i), StandardCharsets.ISO_8859_1),
                        new String(b, head.valueStart(i), head.valueEnd(i) - head.valueStart(i), StandardCharsets.ISO_8859_1));
            }
        }
        return response;
    }

    /** The field lines of a trailer section ("name: value" CRLF, each checked by the reader). */
    private static HttpHeaders fields(ByteBuf lines) {
        HttpHeaders headers = new DefaultHttpHeaders();
        String text = lines.toString(StandardCharsets.ISO_8859_1);
        for (String line : text.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return headers;
    }

    private static int indexOf(byte[] b, int from, char c) {
        int i = from;
        while (b[i] != c) {
            i++;
        }
        return i;
    }
}

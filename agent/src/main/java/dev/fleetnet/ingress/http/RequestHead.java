package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a request head for a machine as bytes: the request line (always HTTP/1.1), the request's
 * fields as admission left them, then the fields the proxy sets. For a request without a body,
 * which goes whole in one write. Pure: no I/O.
 */
final class RequestHead {
    private static final byte[] VERSION = ClientHead.ascii(" HTTP/1.1\r\n");
    private static final byte[] SEPARATOR = {':', ' '};
    private static final byte[] CRLF = {'\r', '\n'};

    private RequestHead() {}

    static void write(HttpRequest request, ForwardingHeaders.Added forwarding, ByteBuf out) {
        ByteBufUtil.copy(request.method().asciiName(), out);
        out.writeByte(' ');
        out.writeCharSequence(request.uri(), StandardCharsets.ISO_8859_1);
        out.writeBytes(VERSION);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> fields = request.headers().iteratorCharSequence(); fields.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            text(field.getKey(), out);
            out.writeBytes(SEPARATOR);
            text(field.getValue(), out);
            out.writeBytes(CRLF);
        }
        forwarding.writeTo(out);
        out.writeBytes(CRLF);
    }

    private static void text(CharSequence s, ByteBuf out) {
        if (s instanceof AsciiString ascii) {
            ByteBufUtil.copy(ascii, out);
        } else {
            out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        }
    }
}

package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The client side's HTTP/1.1 codec: netty's request decoder and response encoder, as two
 * handlers (so netty's WebSocket handshake finds them), pairing each final response with the
 * request it answers as netty's {@code HttpServerCodec} does (a response to HEAD goes without
 * its body), and letting the proxy write a machine's response as bytes around the encoder, from
 * the encoder's context: {@link Encoder#answeredAround} tells it that request is done with.
 */
final class Http1ServerCodec {
    /** The encoder's name; the decoder's is {@link HttpIngressInitializer#CODEC}. */
    static final String ENCODER = "http-encoder";
    private static final int CONTENT_LENGTH_CHARS = HttpHeaderNames.CONTENT_LENGTH.length();
    /** The methods of the requests decoded and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> unanswered = new ArrayDeque<>();
    private final Decoder decoder;
    private final Encoder encoder = new Encoder();

    Http1ServerCodec(int maxInitialLineBytes, int maxHeaderBytes, int maxChunkBytes) {
        this.decoder = new Decoder(maxInitialLineBytes, maxHeaderBytes, maxChunkBytes);
    }

    /** Adds the decoder and the encoder at the end of {@code p}. */
    static void addLast(ChannelPipeline p, IngressConfig config) {
        Http1ServerCodec codec = new Http1ServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 64 * 1024);
        p.addLast(HttpIngressInitializer.CODEC, codec.decoder).addLast(ENCODER, codec.encoder);
    }

    Decoder decoder() {
        return decoder;
    }

    Encoder encoder() {
        return encoder;
    }

    /**
     * netty's request decoder, with the common request head read by {@link PlainRequestHead}
     * instead when netty's decoder is between requests: a head without a body, whole in the bytes
     * at hand, goes on as netty's decoder would give it (the request and its empty last content);
     * every other request, and everything after a malformed one, is netty's decoder's.
     */
    final class Decoder extends HttpRequestDecoder {
        private final int maxInitialLineBytes;
        private final int maxHeaderBytes;
        /** netty's decoder has no request under way: the last thing it gave was a request's last content, or nothing yet. */
        private boolean betweenRequests = true;
        /** The Content-Length field lines of the head netty's decoder is reading; -1 outside a head (in a body, its trailers). */
        private int contentLengthFields = -1;

        private Decoder(int maxInitialLineBytes, int maxHeaderBytes, int maxChunkBytes) {
            super(maxInitialLineBytes, maxHeaderBytes, maxChunkBytes);
            this.maxInitialLineBytes = maxInitialLineBytes;
            this.maxHeaderBytes = maxHeaderBytes;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (betweenRequests) {
                HttpRequest plain = PlainRequestHead.read(buffer, maxInitialLineBytes, maxHeaderBytes);
                if (plain != null) {
                    unanswered.add(plain.method());
                    out.add(plain);
                    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                    return;
                }
            }
            int before = out.size();
            super.decode(ctx, buffer, out);
            betweenRequests = false; // it may have read part of a head
            for (int i = before; i < out.size(); i++) {
                Object decoded = out.get(i);
                if (decoded instanceof HttpRequest request) {
                    unanswered.add(request.method());
                    contentLengthFields = -1;
                }
                // after a malformed request netty's decoder drops everything: it never is between requests again
                betweenRequests = decoded instanceof LastHttpContent last && last.decoderResult().isSuccess();
            }
        }

        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            contentLengthFields = 0; // a head begins
            return super.createMessage(initialLine);
        }

        /**
         * Refuses a head's second Content-Length field line, in every version: netty's decoder
         * refuses one in HTTP/1.1 but in HTTP/1.0 frames by the first and replaces them all with
         * it, so the fields are gone before {@link RequestChecks} could see them differ (RFC 9112
         * 6.3: 400 and close). Thrown here, the head becomes netty's invalid message: answered 400,
         * and nothing after it is read.
         */
        @Override
        protected AsciiString splitHeaderName(byte[] line, int start, int length) {
            AsciiString name = super.splitHeaderName(line, start, length);
            if (contentLengthFields >= 0 && name.length() == CONTENT_LENGTH_CHARS
                    && name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH) && ++contentLengthFields > 1) {
                throw new IllegalArgumentException("Content-Length field line " + contentLengthFields
                        + " (expected: exactly one Content-Length field)");
            }
            return name;
        }
    }

    final class Encoder extends HttpResponseEncoder {
        private Encoder() {}

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(response); // interim: the request still waits for its answer
            }
            return HttpMethod.HEAD.equals(unanswered.poll()) || super.isContentAlwaysEmpty(response);
        }

        /** The oldest unanswered request got its final response, written as bytes around this encoder. */
        void answeredAround() {
            unanswered.poll();
        }
    }
}

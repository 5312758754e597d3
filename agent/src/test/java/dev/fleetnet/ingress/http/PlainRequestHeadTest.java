package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The plain request head: what it reads is what netty's decoder reads from the same bytes, and
 * what it declines it leaves untouched, for netty's decoder to read or refuse.
 */
class PlainRequestHeadTest {
    private static final int LINE = 4096;
    private static final int HEADER = 8192;

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** The request netty's decoder makes of {@code head}, as text: method, target, version, each field in order. */
    private static String asNettyReadsIt(String head) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(LINE, HEADER, 8192));
        channel.writeInbound(bytes(head));
        HttpRequest request = channel.readInbound();
        assertThat(request.decoderResult().isSuccess()).as("netty reads %s", head).isTrue();
        Object end = channel.readInbound();
        assertThat(end).isInstanceOf(LastHttpContent.class);
        channel.finishAndReleaseAll();
        return text(request);
    }

    private static String text(HttpRequest request) {
        StringBuilder s = new StringBuilder(request.method() + " " + request.uri() + " " + request.protocolVersion());
        for (Map.Entry<String, String> field : request.headers()) {
            s.append('|').append(field.getKey()).append('=').append(field.getValue());
        }
        return s.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "GET /index.html?q=a%20b&x=[1] HTTP/1.1\r\nHost: web.fleet.test:8080\r\nAccept: */*\r\nUser-Agent: curl/7.88.1\r\n\r\n",
        "HEAD /x HTTP/1.0\r\n\r\n",
        "DELETE /items/7 HTTP/1.1\r\nhost:web.fleet.test\r\nX-Empty:\r\nX-Spaces: \t a  b \t \r\nCookie: a=1; b=2\r\n\r\n",
        "PURGE /cache HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", // read as sent: admission refuses the second Host
    })
    void aPlainHeadIsReadAsNettyReadsItAndConsumedWhole(String head) {
        ByteBuf in = bytes(head + "GET /next HTTP/1.1\r\n");
        HttpRequest request = PlainRequestHead.read(in, LINE, HEADER);
        assertThat(request).isNotNull();
        assertThat(text(request)).isEqualTo(asNettyReadsIt(head));
        assertThat(in.toString(StandardCharsets.ISO_8859_1)).as("what follows the head stays").isEqualTo("GET /next HTTP/1.1\r\n");
        in.release();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\n", // not all here yet
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\n\r", //
        "POST /upload HTTP/1.1\r\nHost: web.fleet.test\r\nContent-Length: 5\r\n\r\nhello",
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\ncontent-length: 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: web.fleet.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "PUT / HTTP/1.1\r\nHost: web.fleet.test\r\nExpect: 100-continue\r\n\r\n",
        "GET /chat HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET http://web.fleet.test/ HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n", // absolute form
        "OPTIONS * HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "CONNECT web.fleet.test:443 HTTP/1.1\r\nHost: web.fleet.test:443\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: web.fleet.test\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: web.fleet.test\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n", // an empty line first
        "GET / HTTP/1.1\nHost: web.fleet.test\r\n\r\n", // a bare LF
        "GET / HTTP/1.1\r\nHost: web.fleet.test\n\r\n",
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\r\n\r\n", // a bare CR
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\n folded\r\n\r\n", // obs-fold
        "GET / HTTP/1.1\r\nHost : web.fleet.test\r\n\r\n", // whitespace before the colon
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\nX-Nul: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: web.fleet.test\r\nX-Latin: caf\u00e9\r\n\r\n",
        "GET /caf\u00e9 HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "GET /a\u0001b HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n",
        "GET / HTTP/1.1\r\nX(Y: 1\r\n\r\n",
    })
    void anythingButAPlainHeadIsLeftUntouchedForNetty(String head) {
        ByteBuf in = bytes(head);
        assertThat(PlainRequestHead.read(in, LINE, HEADER)).isNull();
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void aLineOrHeadOverTheLimitsIsNettysToRefuse() {
        String target = "/" + "a".repeat(100);
        String longLine = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
        ByteBuf in = bytes(longLine);
        assertThat(PlainRequestHead.read(in, 100, HEADER)).isNull();
        assertThat(PlainRequestHead.read(in, 200, HEADER)).isNotNull();
        in.release();
        String bigHead = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(200) + "\r\n\r\n";
        ByteBuf big = bytes(bigHead);
        assertThat(PlainRequestHead.read(big, LINE, 100)).isNull();
        assertThat(big.readerIndex()).isZero();
        assertThat(PlainRequestHead.read(big, LINE, 400)).isNotNull();
        big.release();
    }

    /** Everything the client side's decoder gives for {@code input} (requests and contents as text), in order. */
    private static List<String> decoded(String input) {
        EmbeddedChannel channel = new EmbeddedChannel();
        Http1ServerCodec.addLast(channel.pipeline(), IngressConfig.builder().build());
        channel.writeInbound(bytes(input));
        List<String> out = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            if (msg instanceof HttpRequest request) {
                out.add((request.decoderResult().isSuccess() ? "" : "invalid ") + text(request));
            }
            if (msg instanceof HttpContent content) {
                out.add((msg instanceof LastHttpContent ? "last:" : "content:") + content.content().toString(StandardCharsets.ISO_8859_1));
            }
            io.netty.util.ReferenceCountUtil.release(msg);
        }
        channel.finishAndReleaseAll();
        return out;
    }

    @Test
    void pipelinedPlainAndBodyRequestsComeOutInOrderFromEitherReader() {
        assertThat(decoded("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /e HTTP/1.1\r\nHost: h\r\n\r\n")).containsExactly(
                "GET /a HTTP/1.1|Host=h", "last:",
                "POST /b HTTP/1.1|Host=h|Content-Length=5", "last:hello", // all here: its one and last content
                "GET /c HTTP/1.1|Host=h", "last:",
                "POST /d HTTP/1.1|Host=h|Transfer-Encoding=chunked", "content:abc", "last:",
                "GET /e HTTP/1.1|Host=h", "last:");
    }

    @Test
    void afterAMalformedRequestNothingMoreIsRead() {
        // netty's decoder refuses the second head and drops the rest: the plain reader must not pick it up again
        assertThat(decoded("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost : h\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"))
                .hasSize(3)
                .startsWith("GET /a HTTP/1.1|Host=h", "last:")
                .last().asString().startsWith("invalid ");
    }
}

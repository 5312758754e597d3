package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ResponseReader} and {@link ClientHead} on bytes written by hand: what the client gets
 * for each framing, and every response the reader must refuse rather than pass on.
 */
class ResponseReaderTest {
    private static final byte[] VIA = ClientHead.ascii("1.1 fleetnet");

    /** What one response became: the client's head (written by ClientHead), the body bytes passed on, and how it ended. */
    private record Read(String head, String body, String trailers, boolean ended, String invalid, int heads) {}

    private static Read read(String response, boolean headRequest, boolean dechunk, ClientHead.Framing framing, String... more) {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        channel.pipeline().get(ResponseReader.class).expect(headRequest, dechunk);
        List<Object> parts = new ArrayList<>();
        StringBuilder head = new StringBuilder();
        int heads = 0;
        List<String> pieces = new ArrayList<>(List.of(response));
        pieces.addAll(List.of(more));
        StringBuilder body = new StringBuilder();
        String trailers = null;
        boolean ended = false;
        String invalid = null;
        for (String piece : pieces) {
            channel.writeInbound(Unpooled.copiedBuffer(piece, StandardCharsets.ISO_8859_1));
            for (Object part; (part = channel.readInbound()) != null; ) {
                if (part instanceof ResponseHead h) { // written at once: the instance is parsed into again
                    heads++;
                    ByteBuf out = Unpooled.buffer();
                    ClientHead.write(h, framing, ClientHead.Connection.NONE, true, VIA, out);
                    head.setLength(0);
                    head.append(out.toString(StandardCharsets.ISO_8859_1));
                    out.release();
                } else if (part instanceof ByteBuf data) {
                    body.append(data.toString(StandardCharsets.ISO_8859_1));
                    data.release();
                } else if (part instanceof ResponseReader.Trailers t) {
                    trailers = t.lines().toString(StandardCharsets.ISO_8859_1);
                    t.lines().release();
                } else if (part == ResponseReader.END) {
                    ended = true;
                } else if (part instanceof ResponseReader.Invalid i) {
                    invalid = i.reason();
                }
                parts.add(part);
            }
        }
        channel.finishAndReleaseAll();
        return new Read(head.toString(), body.toString(), trailers, ended, invalid, heads);
    }

    @Test
    void aLengthBodyPassesAsItCameAndTheHeadKeepsOnlyEndToEndFields() {
        Read r = read("HTTP/1.1 200 OK\r\nServer: up\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: secret\r\n"
                + "Content-Length: 5\r\nVia: 1.0 edge\r\nX-End:  kept \r\n\r\nhello", false, false, ClientHead.Framing.LENGTH);
        assertThat(r.invalid()).isNull();
        assertThat(r.head()).isEqualTo("HTTP/1.1 200 OK\r\nServer: up\r\nX-End:  kept\r\ncontent-length: 5\r\n"
                + "via: 1.0 edge, 1.1 fleetnet\r\n\r\n");
        assertThat(r.body()).isEqualTo("hello");
        assertThat(r.ended()).isTrue();
    }

    @Test
    void aBodySplitAcrossReadsAndAHeadSplitMidLineAreReadWhole() {
        Read r = read("HTTP/1.1 404 Not", false, false, ClientHead.Framing.LENGTH, " Found\r\nContent-Len", "gth: 6\r\n\r\nab", "cdef");
        assertThat(r.head()).startsWith("HTTP/1.1 404 Not Found\r\ncontent-length: 6\r\n");
        assertThat(r.body()).isEqualTo("abcdef");
        assertThat(r.ended()).isTrue();
    }

    @Test
    void aChunkedBodyPassesByteForByteWithItsExtensionsAndTrailers() {
        String body = "5;ext=1\r\nhello\r\n3\r\n, w\r\n0\r\nX-Checksum: abc\r\n\r\n";
        Read r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body.substring(0, 12), false, false,
                ClientHead.Framing.CHUNKED, body.substring(12, 30), body.substring(30));
        assertThat(r.invalid()).isNull();
        assertThat(r.head()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nvia: 1.1 fleetnet\r\n\r\n");
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.ended()).isTrue();
    }

    @Test
    void aChunkSizeMayHaveSpacesOrTabsBeforeItsExtensionsOrItsLineEnd() {
        String body = "2 ;a=1\r\nok\r\n3\t \t;b\r\n, w\r\n1 \r\n!\r\n0\r\n\r\n";
        Read r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, false, false, ClientHead.Framing.CHUNKED);
        assertThat(r.invalid()).isNull();
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.ended()).isTrue();
    }

    @Test
    void dechunkingPassesTheDataAloneAndTheTrailerSectionAsOne() {
        Read r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false, true, ClientHead.Framing.UNTIL_CLOSE,
                "lo\r\n0\r\nX-A: 1\r\n", "X-B: 2\r\n\r\n");
        assertThat(r.body()).isEqualTo("hello");
        assertThat(r.trailers()).isEqualTo("X-A: 1\r\nX-B: 2\r\n");
        assertThat(r.ended()).isTrue();
    }

    @Test
    void theTrailerFieldGoesToAnHttp11ClientAndNotToAnHttp10OneWhoseBodyIsDechunked() {
        Read r = read("HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 1\r\n\r\n", false, false,
                ClientHead.Framing.CHUNKED);
        assertThat(r.head()).isEqualTo("HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\ntransfer-encoding: chunked\r\nvia: 1.1 fleetnet\r\n\r\n");
        ResponseHead head = new ResponseHead();
        byte[] b = "HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(head.parse(b, b.length)).isNull();
        ByteBuf out = Unpooled.buffer();
        ClientHead.write(head, ClientHead.Framing.UNTIL_CLOSE, ClientHead.Connection.CLOSE, false, VIA, out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\nconnection: close\r\nvia: 1.1 fleetnet\r\n\r\n");
        out.release();
    }

    @Test
    void aResponseToHeadHasNoBodyWhateverItsLengthSays() {
        Read r = read("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", true, false, ClientHead.Framing.NONE);
        assertThat(r.head()).contains("content-length: 42\r\n");
        assertThat(r.ended()).isTrue();
        assertThat(r.body()).isEmpty();
    }

    @Test
    void interimResponsesComeFirstAndTheFinalOneFollowsInTheSameRead() {
        Read r = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n"
                + "Content-Length: 0\r\n\r\n", false, false, ClientHead.Framing.NONE);
        assertThat(r.heads()).isEqualTo(3);
        assertThat(r.head()).isEqualTo("HTTP/1.1 204 No Content\r\nvia: 1.1 fleetnet\r\n\r\n"); // 204: no framing fields
        assertThat(r.ended()).isTrue();
    }

    @Test
    void aBodyWithoutLengthEndsWithTheConnection() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.0 200 OK\r\n\r\nsome", StandardCharsets.ISO_8859_1));
        assertThat(channel.<Object>readInbound()).isInstanceOf(ResponseHead.class);
        ByteBuf data = channel.readInbound();
        assertThat(data.toString(StandardCharsets.ISO_8859_1)).isEqualTo("some");
        data.release();
        assertThat(channel.<Object>readInbound()).isNull();
        channel.close();
        assertThat(channel.<Object>readInbound()).isSameAs(ResponseReader.END);
    }

    @Test
    void aBodyWithoutLengthEndedByAResetIsInvalidNotComplete() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192), new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { } // the upstream handler closes
        });
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\nsome", StandardCharsets.ISO_8859_1));
        channel.<Object>readInbound();
        channel.<ByteBuf>readInbound().release();
        channel.pipeline().fireExceptionCaught(new java.net.SocketException("Connection reset"));
        channel.close();
        assertThat(channel.<Object>readInbound()).isInstanceOf(ResponseReader.Invalid.class);
        assertThat(channel.<Object>readInbound()).as("no END after it").isNull();
    }

    @Test
    void aBodyCutShortByTheConnectionIsInvalidNotComplete() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", StandardCharsets.ISO_8859_1));
        channel.<Object>readInbound();
        channel.<ByteBuf>readInbound().release();
        channel.close();
        assertThat(channel.<Object>readInbound()).isInstanceOf(ResponseReader.Invalid.class);
    }

    @Test
    void afterA101TheBytesStayForTheTunnel() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: x\r\n\r\n\u0081\u0002hi", StandardCharsets.ISO_8859_1));
        ResponseHead head = channel.readInbound();
        ByteBuf out = Unpooled.buffer();
        ClientHead.write(head, ClientHead.Framing.NONE, ClientHead.Connection.UPGRADE_WEBSOCKET, true, VIA, out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\n"
                + "connection: upgrade\r\nupgrade: websocket\r\nvia: 1.1 fleetnet\r\n\r\n");
        out.release();
        assertThat(channel.<Object>readInbound()).as("nothing decoded after the 101").isNull();
        channel.pipeline().remove(ResponseReader.class); // as the tunnel does: what followed goes on as it came
        ByteBuf frame = channel.readInbound();
        assertThat(frame.toString(StandardCharsets.ISO_8859_1)).isEqualTo("\u0081\u0002hi");
        frame.release();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what (~ is CRLF)        | HEAD request | a complete response, then what it lines up behind it
            length body, then more    | false        | HTTP/1.1 200 OK~Content-Length: 2~~okHTTP/1.1 200 OK~Content-Length: 4~~evil
            chunked body, then more   | false        | HTTP/1.1 200 OK~Transfer-Encoding: chunked~~2~ok~0~~HTTP/1.1 200 OK~Content-Length: 4~~evil
            304 with a body           | false        | HTTP/1.1 304 Not Modified~~HTTP/1.1 200 OK~Content-Length: 4~~evil
            204 with a body           | false        | HTTP/1.1 204 No Content~~HTTP/1.1 200 OK~Content-Length: 4~~evil
            HEAD answered with a body | true         | HTTP/1.1 200 OK~Content-Length: 2~~ok
            """)
    void bytesAfterACompleteResponseAreDroppedAndTheConnectionIsSpent(String what, boolean headRequest, String response) {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        ResponseReader reader = channel.pipeline().get(ResponseReader.class);
        reader.expect(headRequest, false);
        channel.writeInbound(Unpooled.copiedBuffer(response.replace("~", "\r\n"), StandardCharsets.ISO_8859_1));
        List<Object> parts = new ArrayList<>();
        for (Object part; (part = channel.readInbound()) != null; ) {
            parts.add(part instanceof ByteBuf data ? data.toString(StandardCharsets.ISO_8859_1) : part);
            ReferenceCountUtil.release(part);
        }
        assertThat(parts).as(what).last().isSameAs(ResponseReader.END);
        assertThat(parts).as(what + ": one head").filteredOn(p -> p instanceof ResponseHead).hasSize(1);
        assertThat(parts).as(what + ": the rest is no body").noneMatch(p -> p.toString().contains("evil") || p.equals("ok") && headRequest);
        assertThat(reader.spent()).as(what).isTrue();
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", StandardCharsets.ISO_8859_1));
        assertThat(channel.<Object>readInbound()).as(what + ": nothing on the connection is read again").isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void aResponseEndingWithItsReadLeavesTheConnectionForTheNextOne() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseReader(8192));
        ResponseReader reader = channel.pipeline().get(ResponseReader.class);
        for (String body : List.of("one", "two")) {
            channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" + body, StandardCharsets.ISO_8859_1));
            assertThat(channel.<Object>readInbound()).isInstanceOf(ResponseHead.class);
            ByteBuf data = channel.readInbound();
            assertThat(data.toString(StandardCharsets.ISO_8859_1)).isEqualTo(body);
            data.release();
            assertThat(channel.<Object>readInbound()).isSameAs(ResponseReader.END);
            assertThat(reader.spent()).isFalse();
        }
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "both framings           | HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | both Transfer-Encoding and Content-Length",
        "two lengths             | HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\n                | Content-Length 3 and 4 differ",
        "list of lengths         | HTTP/1.1 200 OK\\r\\nContent-Length: 3, 4\\r\\n\\r\\n                                  | Content-Length 3 and 4 differ",
        "signed length           | HTTP/1.1 200 OK\\r\\nContent-Length: +3\\r\\n\\r\\n                                    | is not a length",
        "huge length             | HTTP/1.1 200 OK\\r\\nContent-Length: 9999999999999999999\\r\\n\\r\\n                   | is not a length",
        "gzip coding             | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n                      | transfer coding 'gzip'",
        "chunked twice           | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | chunked applied 2 times",
        "chunked to HTTP/1.0     | HTTP/1.0 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n                             | HTTP/1.0 response",
        "space before colon      | HTTP/1.1 200 OK\\r\\nContent-Length : 3\\r\\n\\r\\n                                    | before the colon",
        "obs-fold                | HTTP/1.1 200 OK\\r\\nX-A: 1\\r\\n  folded\\r\\n\\r\\n                                   | obsolete line folding",
        "no colon                | HTTP/1.1 200 OK\\r\\nX-A\\r\\n\\r\\n                                                   | without a colon",
        "bare CR in a value      | HTTP/1.1 200 OK\\r\\nX-A: 1\\rSet-Cookie: x\\r\\n\\r\\n                                | control character 0xd",
        "NUL in a value          | HTTP/1.1 200 OK\\r\\nX-A: a\\u0000b\\r\\n\\r\\n                                         | control character 0x0",
        "HTTP/2 status line      | HTTP/2 200\\r\\n\\r\\n                                                                | not an HTTP/1.0 or HTTP/1.1 status line",
        "status out of range     | HTTP/1.1 600 Odd\\r\\n\\r\\n                                                          | out of range",
        "status not digits       | HTTP/1.1 2x0 OK\\r\\n\\r\\n                                                           | not 3 digits",
        "bad chunk size          | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n                      | chunk size is not hex",
        "chunk size overflow     | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n10000000000000000\\r\\n       | more than 15 hex digits",
        "chunk without CRLF      | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nokX\\r\\n               | not followed by CRLF",
        "bare LF chunk line      | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\nok\\r\\n                  | not ended by CRLF",
        "chunk size then junk    | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2x\\r\\nok\\r\\n                | followed by 'x'",
        "chunk size, space, more | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2 3\\r\\nok\\r\\n0\\r\\n\\r\\n   | followed by '3'",
        "chunk size, space, junk | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2 x;a\\r\\nok\\r\\n           | followed by 'x'",
        "bad trailer             | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\nX A: 1\\r\\n\\r\\n          | in a trailer field name",
    })
    void anAmbiguousOrMalformedResponseIsRefusedWithTheReasonAndNothingAfterIt(String name, String response, String reason) {
        Read r = read(unescape(response) + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter", false, false, ClientHead.Framing.LENGTH);
        assertThat(r.invalid()).as(name).contains(reason);
        assertThat(r.ended()).as("never complete: the connection is not reused").isFalse();
        assertThat(r.body()).as("nothing of what followed passed").doesNotContain("after");
    }

    @Test
    void aHeadLargerThanTheLimitIsRefused() {
        Read r = read("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n", false, false, ClientHead.Framing.LENGTH);
        assertThat(r.invalid()).isEqualTo("response head larger than 8192 bytes");
    }

    @Test
    void anHttp10ResponseKeepsItsConnectionOnlyWhenItSaysSo() {
        ResponseHead head = new ResponseHead();
        byte[] b = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(head.parse(b, b.length)).isNull();
        assertThat(head.keepAlive()).isFalse();
        b = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(head.parse(b, b.length)).isNull();
        assertThat(head.keepAlive()).isTrue();
        b = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(head.parse(b, b.length)).isNull();
        assertThat(head.keepAlive()).isFalse();
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000");
    }
}

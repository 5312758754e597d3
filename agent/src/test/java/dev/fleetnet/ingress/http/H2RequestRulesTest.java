package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 9113 section 8 at the HTTP/2 front, checked where it matters: what the HTTP/1.1 machine
 * behind it received. Each malformed request head (pseudo-header fields missing, repeated,
 * unknown or late; connection-specific fields; field names and values that would inject header
 * lines once written as HTTP/1.1; :path forms) is refused on its stream, and nothing of it reaches
 * the machine. A raw client writes each header block field by field, with no check of its own.
 */
class H2RequestRulesTest {
    @TempDir
    static Path dir;
    static Certificate cert;
    static EventLoopGroup group;
    static RecordingUpstream machine;
    static HttpIngressServer ingress;
    static final AtomicInteger marks = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        cert = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        group = Transports.group(1);
        machine = new RecordingUpstream(null);
        ingress = Upstreams.tlsIngressToWeb(machine.port(), false, cert, group);
    }

    @AfterAll
    static void stop() throws Exception {
        ingress.close();
        machine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A GET's pseudo-header fields for a.test, then {@code more} (names and values). */
    private static String[] get(String path, String... more) {
        List<String> fields = new ArrayList<>(List.of(":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", path));
        fields.addAll(List.of(more));
        return fields.toArray(String[]::new);
    }

    private static Arguments malformed(String name, String... fields) {
        return Arguments.of(Named.of(name, fields));
    }

    static Stream<Arguments> malformedHeads() {
        return Stream.of(
                malformed("no :method", ":scheme", "https", ":authority", "a.test", ":path", "/x"),
                malformed("no :path", ":method", "GET", ":scheme", "https", ":authority", "a.test"),
                malformed("no :scheme", ":method", "GET", ":authority", "a.test", ":path", "/x"),
                malformed(":scheme not a scheme", ":method", "GET", ":scheme", "a b", ":authority", "a.test", ":path", "/x"),
                malformed(":scheme ftp", ":method", "GET", ":scheme", "ftp", ":authority", "a.test", ":path", "/x"),
                malformed("two :path", get("/x", ":path", "/y")),
                malformed("two :method", ":method", "GET", ":method", "POST", ":scheme", "https", ":authority", "a.test", ":path", "/x"),
                malformed("two :authority", ":method", "GET", ":scheme", "https", ":authority", "a.test", ":authority", "b.test",
                        ":path", "/x"),
                malformed("unknown pseudo-header", get("/x", ":foo", "bar")),
                malformed(":status in a request", get("/x", ":status", "200")),
                malformed("pseudo-header after a regular field", ":method", "GET", ":scheme", "https", "x-a", "1", ":authority", "a.test",
                        ":path", "/x"),
                malformed("connection", get("/x", "connection", "close")),
                malformed("keep-alive", get("/x", "keep-alive", "timeout=5")),
                malformed("proxy-connection", get("/x", "proxy-connection", "keep-alive")),
                malformed("transfer-encoding", get("/x", "transfer-encoding", "chunked")),
                malformed("upgrade", get("/x", "upgrade", "websocket")),
                malformed("te other than trailers", get("/x", "te", "gzip")),
                malformed("uppercase name", get("/x", "X-Up", "1")),
                malformed("CRLF in a value", get("/x", "x-a", "1\r\nx-injected: yes")),
                malformed("LF in a value", get("/x", "x-a", "1\nx-injected: yes")),
                malformed("CR in a value", get("/x", "x-a", "1\rx-injected: yes")),
                malformed("NUL in a value", get("/x", "x-a", "1\0x")),
                malformed("CRLF in a name", get("/x", "x-a\r\nx-injected", "1")),
                malformed("space in a name", get("/x", "x a", "1")),
                malformed("colon in a name", get("/x", "x:a", "1")),
                malformed("empty name", get("/x", "", "1")),
                malformed("leading space in a value", get("/x", "x-a", " v")),
                malformed("CRLF in :method", ":method", "GET /y HTTP/1.1\r\nx: y\r\n\r\nGET", ":scheme", "https", ":authority", "a.test",
                        ":path", "/x"),
                malformed("CRLF in :path", get("/x HTTP/1.1\r\nx-injected: 1\r\n")),
                malformed("empty :path", get("")),
                malformed(":path in absolute form", get("https://a.test/x")),
                malformed(":path without its slash", get("x")),
                malformed(":authority and Host differ", get("/x", "host", "b.test")),
                malformed(":authority with user info", ":method", "GET", ":scheme", "https", ":authority", "u@a.test", ":path", "/x"),
                malformed("CONNECT", ":method", "CONNECT", ":authority", "a.test:443"),
                malformed("extended CONNECT", ":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a.test",
                        ":path", "/x"),
                malformed("TRACE", ":method", "TRACE", ":scheme", "https", ":authority", "a.test", ":path", "/x"));
    }

    /** Sends {@code fields} as stream 1's whole request; what came back on it: ":status N", "RST_STREAM N" or "closed". */
    private static String send(String[] fields) throws Exception {
        try (RawH2 h2 = RawH2.connect(ingress.tlsAddress().getPort(), "a.test", List.of(cert))) {
            h2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.literal(fields));
            RawH2.Frame f = h2.await(x -> x.stream() == 1 && (x.type() == RawH2.HEADERS || x.type() == RawH2.RST_STREAM)
                    || x.type() == RawH2.GOAWAY);
            if (f == null || f.type() == RawH2.GOAWAY) {
                return "closed";
            }
            if (f.type() == RawH2.RST_STREAM) {
                return "RST_STREAM " + f.errorCode();
            }
            return ":status " + new DefaultHttp2HeadersDecoder(false).decodeHeaders(1, Unpooled.wrappedBuffer(f.payload())).status();
        }
    }

    /** The heads the machine got up to and including a well-formed marker request sent now (so all before it have arrived). */
    private static List<String> headsThroughMarker() throws Exception {
        String marker = "/marker-" + marks.incrementAndGet();
        assertThat(send(get(marker))).isEqualTo(":status 200");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (machine.heads().stream().noneMatch(h -> h.startsWith("GET " + marker + " "))) {
            assertThat(System.nanoTime()).as("the marker reached the machine within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        return machine.heads();
    }

    @ParameterizedTest
    @MethodSource("malformedHeads")
    void aMalformedRequestHeadIsRefusedAndNothingOfItReachesTheMachine(String[] fields) throws Exception {
        int before = headsThroughMarker().size();
        String answer = send(fields);
        assertThat(answer).as("refused on its stream").matches("RST_STREAM 1|:status 4\\d\\d");
        List<String> heads = headsThroughMarker();
        assertThat(heads.subList(before, heads.size())).as("what reached the machine").hasSize(1)
                .allSatisfy(h -> assertThat(h).startsWith("GET /marker-"));
    }

    @Test
    void wellFormedHeadsReachTheMachineAsTheIngressUnderstoodThem() throws Exception {
        int before = headsThroughMarker().size();
        assertThat(send(get("/te", "te", "trailers"))).isEqualTo(":status 200");
        assertThat(send(new String[] {":method", "GET", ":scheme", "https", ":path", "/host-only", "host", "a.test"}))
                .isEqualTo(":status 200");
        assertThat(send(new String[] {":method", "OPTIONS", ":scheme", "https", ":authority", "a.test", ":path", "*"}))
                .as("answered by the ingress").isEqualTo(":status 200");
        assertThat(send(get("/cookies", "cookie", "a=1", "cookie", "b=2"))).isEqualTo(":status 200");
        List<String> heads = headsThroughMarker();
        List<String> got = heads.subList(before, heads.size() - 1);
        assertThat(got).hasSize(3);
        assertThat(got.get(0)).startsWith("GET /te HTTP/1.1\r\nhost: a.test\r\n").doesNotContainIgnoringCase("\r\nte:");
        assertThat(got.get(1)).startsWith("GET /host-only HTTP/1.1\r\nhost: a.test\r\n");
        assertThat(got.get(2)).startsWith("GET /cookies HTTP/1.1\r\n").contains("\r\ncookie: a=1; b=2\r\n");
    }

    static Stream<Arguments> malformedBodies() {
        String[] post = {":method", "POST", ":scheme", "https", ":authority", "a.test", ":path", "/body", "content-length", "5"};
        String[] chunked = {":method", "POST", ":scheme", "https", ":authority", "a.test", ":path", "/body"};
        return Stream.of(
                Arguments.of(Named.of("more DATA than content-length", post), "0123456789", null),
                Arguments.of(Named.of("less DATA than content-length", post), "012", null),
                Arguments.of(Named.of("a pseudo-header field in the trailers", chunked), "01234", new String[] {":path", "/evil"}),
                Arguments.of(Named.of("CRLF in a trailer value", chunked), "01234", new String[] {"x-t", "1\r\nx-evil: 1"}));
    }

    @ParameterizedTest
    @MethodSource("malformedBodies")
    void aMalformedBodyResetsTheStreamAndTheMachinesConnectionCarriesNothingMore(String[] head, String body, String[] trailers)
            throws Exception {
        int before = headsThroughMarker().size();
        try (RawH2 h2 = RawH2.connect(ingress.tlsAddress().getPort(), "a.test", List.of(cert))) {
            h2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.literal(head));
            h2.frame(RawH2.DATA, trailers == null ? RawH2.END_STREAM : 0, 1, body.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            if (trailers != null) {
                h2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.literal(trailers));
            }
            RawH2.Frame f = h2.await(x -> x.stream() == 1 && (x.type() == RawH2.HEADERS || x.type() == RawH2.RST_STREAM));
            assertThat(f).isNotNull();
            assertThat(f.type()).as("the stream is reset, never answered as if whole").isEqualTo(RawH2.RST_STREAM);
        }
        List<String> heads = headsThroughMarker();
        // The request may have begun at the machine; its connection must not carry the marker as its body's rest.
        assertThat(heads.subList(before, heads.size())).last().asString().startsWith("GET /marker-");
        assertThat(heads.subList(before, heads.size() - 1)).allSatisfy(h -> assertThat(h).startsWith("POST /body HTTP/1.1\r\n"));
        assertThat(machine.raw()).doesNotContain("/evil", "x-evil");
    }
}

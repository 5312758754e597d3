package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.routing.IngressNaming;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests a machine could read otherwise than the ingress did (framing, target, authority,
 * trailers, fields that claim the client's address), judged by what a recording upstream
 * received: each is refused with nothing forwarded, or forwarded in the one form the ingress
 * itself read. Requests are written with {@code ~} for CRLF and {@code {XX}} for the byte 0xXX.
 */
class RequestAmbiguityTest {
    private EventLoopGroup group;
    private RecordingUpstream upstream;
    private HttpIngressServer ingress;

    @BeforeEach
    void start() throws Exception {
        group = Transports.group(1);
        upstream = new RecordingUpstream(null);
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", upstream.port()))
                .upstreamResponseTimeout(Duration.ofSeconds(2)).trustedProxies(List.of()).build();
        ingress = Upstreams.ingressToWeb(config, upstream.port(), group);
    }

    @AfterEach
    void stop() throws IOException {
        ingress.close();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** {@code ~} as CRLF, {@code {XX}} as the byte 0xXX. */
    private static String bytes(String request) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < request.length(); i++) {
            char c = request.charAt(i);
            if (c == '~') {
                out.append("\r\n");
            } else if (c == '{' && i + 3 < request.length() && request.charAt(i + 3) == '}') {
                out.append((char) Integer.parseInt(request.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private RawHttp.Response send(String request) throws IOException {
        return RawHttp.exchange(ingress.address().getPort(), bytes(request));
    }

    /** A request the ingress must forward, on a new connection; returns once the upstream answered it. */
    private void control() throws IOException {
        assertThat(send("GET /control HTTP/1.1~Host: web.fleet.test~Connection: close~~").status()).as("control request")
                .isEqualTo(200);
        assertThat(upstream.heads()).anyMatch(h -> h.startsWith("GET /control "));
    }

    private void assertRefusedAndNothingForwarded(String what, int status, String request) throws IOException {
        RawHttp.Response response = send(request);
        assertThat(response.status()).as(what).isEqualTo(status);
        control();
        assertThat(upstream.heads()).as("requests the machine received after: " + what).hasSize(1);
        assertThat(upstream.raw()).as("what the machine received").doesNotContainIgnoringCase("smuggled");
    }

    /** The one head the upstream received, once the client got its response. */
    private String onlyHead() {
        assertThat(upstream.heads()).as("requests the machine received").hasSize(1);
        return upstream.heads().getFirst();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            HTTP/1.0, two different Content-Lengths    | POST /SMUGGLED HTTP/1.0~Connection: keep-alive~Host: web.fleet.test~Content-Length: 0~Content-Length: 45~~GET /smuggled HTTP/1.1~Host: web.fleet.test~~
            HTTP/1.0, two equal Content-Lengths        | POST /SMUGGLED HTTP/1.0~Host: web.fleet.test~Content-Length: 2~Content-Length: 2~~ab
            HTTP/1.0, a Content-Length list            | POST /SMUGGLED HTTP/1.0~Connection: keep-alive~Host: web.fleet.test~Content-Length: 0, 45~~GET /smuggled HTTP/1.1~Host: web.fleet.test~~
            HTTP/1.1, two different Content-Lengths    | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Content-Length: 0~Content-Length: 45~~GET /smuggled HTTP/1.1~Host: web.fleet.test~~
            HTTP/1.0, Content-Lengths far apart        | POST /SMUGGLED HTTP/1.0~Content-Length: 0~Host: web.fleet.test~X-A: b~content-length: 45~~GET /smuggled HTTP/1.1~Host: web.fleet.test~~
            """)
    void conflictingContentLengthsAreRefusedInEveryVersion(String what, String request) throws IOException {
        assertRefusedAndNothingForwarded(what, 400, request);
    }

    @Test
    void requestTrailersNeverReachTheMachineButTheBodyDoes() throws IOException {
        RawHttp.Response response = send("POST /a HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: chunked~Connection: close~~"
                + "3~abc~2~de~0~Content-Length: 50~Host: evil.test~X-Forwarded-For: 6.6.6.6~X-Real-IP: 6.6.6.6~"
                + "Forwarded: for=6.6.6.6;host=evil.test~Authorization: Bearer x~Connection: close~Upgrade: websocket~"
                + "Expect: 100-continue~X-Trailer: t~~");
        assertThat(response.status()).isEqualTo(200);
        assertThat(onlyHead()).startsWith("POST /a HTTP/1.1\r\n");
        String raw = upstream.raw();
        assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).as("what followed the head: the body whole, no trailer")
                .isEqualTo("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                .doesNotContain("evil.test", "6.6.6.6", "Bearer", "websocket", "100-continue", "X-Trailer", "50");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"web.fleet.test:1,evil.test", "web.fleet.test:\\evil.test", "web.fleet.test:1\\", "web.fleet.test:80:99",
            "web.fleet.test:abc", "web.fleet.test:\"x\"", "web.fleet.test:%0d%0aX:y", "web.fleet.test:123456", ":80"})
    void anAbsoluteFormAuthorityIsCheckedAsAHostField(String authority) throws IOException {
        assertRefusedAndNothingForwarded("authority " + authority, 400,
                "GET http://" + authority + "/SMUGGLED HTTP/1.1~Host: web.fleet.test~~");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what                      | target (a Content-Length makes netty's decoder read the head, not the plain one)
            NUL, fast path first         | /SMUGGLED{00}b
            NUL, netty's decoder        | /SMUGGLED{00}b~Content-Length: 0
            SOH, netty's decoder        | /SMUGGLED{01}b~Content-Length: 0
            ESC, netty's decoder        | /SMUGGLED{1b}b~Content-Length: 0
            US, netty's decoder         | /SMUGGLED{1f}b~Content-Length: 0
            DEL, fast path first         | /SMUGGLED{7f}b
            DEL, netty's decoder        | /SMUGGLED{7f}b~Content-Length: 0
            0x80, netty's decoder       | /SMUGGLED{80}b~Content-Length: 0
            0x85, netty's decoder       | /SMUGGLED{85}b~Content-Length: 0
            0xe9, fast path first        | /SMUGGLED{e9}b
            0xff, netty's decoder       | /SMUGGLED{ff}b~Content-Length: 0
            fragment, fast path first    | /SMUGGLED#frag
            fragment, netty's decoder   | /SMUGGLED#frag~Content-Length: 0
            absolute-form fragment      | http://web.fleet.test/SMUGGLED#frag
            absolute-form with a NUL    | http://web.fleet.test/SMUGGLED{00}~Content-Length: 0
            """)
    void aTargetWithControlNonAsciiOrFragmentIsRefusedWhicheverDecoderReadIt(String what, String target) throws IOException {
        int space = target.indexOf('~');
        String line = space < 0 ? target : target.substring(0, space);
        String more = space < 0 ? "" : target.substring(space);
        assertRefusedAndNothingForwarded(what, 400, "GET " + line + " HTTP/1.1~Host: web.fleet.test" + more + "~~");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "~Content-Length: 0"})
    void visibleAsciiThatClientsSendUnescapedIsForwardedAsWritten(String more) throws IOException {
        String target = "/a|b{c}d^e[f]g\"h<i>j\\k`l?q=1|2";
        RawHttp.Response response = send("GET " + target + " HTTP/1.1~Host: web.fleet.test" + more + "~Connection: close~~");
        assertThat(response.status()).isEqualTo(200);
        assertThat(onlyHead()).startsWith("GET " + target + " HTTP/1.1\r\n");
    }

    @Test
    void clientAddressAndUrlClaimsOfAnUntrustedClientNeverReachTheMachine() throws IOException {
        RawHttp.Response response = send("GET /f HTTP/1.1~Host: web.fleet.test~X-Real-IP: 6.6.6.6~True-Client-IP: 6.6.6.6~"
                + "X-Client-IP: 6.6.6.6~CF-Connecting-IP: 6.6.6.6~X-Cluster-Client-IP: 6.6.6.6~Fastly-Client-IP: 6.6.6.6~"
                + "X-Original-Forwarded-For: 6.6.6.6~X-Forwarded-Server: evil~X-Forwarded-Prefix: /evil~X-Original-URL: /evil~"
                + "X-Rewrite-URL: /evil~X_Forwarded_For: 6.6.6.6~X_Forwarded_Host: evil~x_real_ip: 6.6.6.6~X-Forwarded_Proto: evil~"
                + "X_Machine_ID: evil~X-Kept: yes~Connection: close~~");
        assertThat(response.status()).isEqualTo(200);
        assertThat(onlyHead()).doesNotContain("6.6.6.6", "evil").contains("X-Kept: yes\r\n")
                .containsIgnoringCase("x-forwarded-for: 127.0.0.1\r\n");
    }

    @Test
    void optionsWithMaxForwardsZeroIsAnsweredHereAndAboveZeroIsCountedDown() throws IOException {
        RawHttp.Response here = send("OPTIONS /SMUGGLED HTTP/1.1~Host: web.fleet.test~Max-Forwards: 0~Connection: close~~");
        assertThat(here.status()).isEqualTo(200);
        assertThat(here.headers().get("allow")).isEqualTo(ErrorResponses.ALLOWED_METHODS);
        RawHttp.Response forwarded = send("OPTIONS /o HTTP/1.1~Host: web.fleet.test~Max-Forwards: 5~Connection: close~~");
        assertThat(forwarded.status()).isEqualTo(200);
        assertThat(onlyHead()).startsWith("OPTIONS /o HTTP/1.1\r\n").containsIgnoringCase("\nmax-forwards: 4\r\n")
                .doesNotContain("Max-Forwards: 5");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"TRACE /SMUGGLED HTTP/1.1~Host: web.fleet.test~~",
            "TRACE /SMUGGLED HTTP/1.1~Host: web.fleet.test~Max-Forwards: 0~~",
            "TRACE /SMUGGLED HTTP/1.1~Host: web.fleet.test~Max-Forwards: 3~~"})
    void traceIsRefusedWithTheMethodsThereAre(String request) throws IOException {
        RawHttp.Response response = send(request);
        assertThat(response.headers().get("allow")).isEqualTo(ErrorResponses.ALLOWED_METHODS).doesNotContain("TRACE");
        assertRefusedAndNothingForwarded("TRACE", 405, request);
    }

    @ParameterizedTest(name = "[{index}] Transfer-Encoding: {0}")
    @ValueSource(strings = {"chunked,", ",chunked", " , chunked ,, ", "Chunked", "chunked~Transfer-Encoding:"})
    void aChunkedListWithEmptyMembersIsChunkedAndForwardedAsPlainChunked(String codings) throws IOException {
        RawHttp.Response response = send("POST /te HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: " + codings
                + "~Connection: close~~3~abc~0~~");
        assertThat(response.status()).isEqualTo(200);
        assertThat(onlyHead()).containsOnlyOnce("ransfer-encoding").contains("\r\ntransfer-encoding: chunked\r\n");
        assertThat(upstream.raw()).endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    }

    @ParameterizedTest(name = "[{index}] Transfer-Encoding: {0}")
    @ValueSource(strings = {",", " ", ", ,"})
    void aTransferEncodingWithoutACodingIsRefused(String codings) throws IOException {
        assertRefusedAndNothingForwarded("Transfer-Encoding: " + codings, 400,
                "POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: " + codings + "~~0~~");
    }
}

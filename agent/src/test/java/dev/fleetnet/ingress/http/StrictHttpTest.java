package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.Transports;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.routing.IngressNaming;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 9112/9110 strictness of the HTTP ingress, judged by what a recording upstream received:
 * every refused request is followed by a control request on a fresh connection, and once the
 * control has arrived the upstream's transcript must hold nothing of the refused one.
 */
class StrictHttpTest {
    private EventLoopGroup group;
    private RecordingUpstream upstream;
    private HttpIngressServer ingress;

    @BeforeEach
    void start() throws Exception {
        group = Transports.group(1);
        upstream = new RecordingUpstream("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
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

    private int port() {
        return ingress.address().getPort();
    }

    /** A request the ingress must forward, on a new connection; returns once the upstream answered it. */
    private void control(String marker) throws IOException {
        RawHttp.Response response = RawHttp.exchange(port(), "GET /" + marker + " HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(response.status()).as("control request").isEqualTo(200);
        assertThat(upstream.heads()).anyMatch(h -> h.startsWith("GET /" + marker + " "));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # what                                   | status | request (\\r\\n written as ~)
            Connection names Content-Length (smuggle) | 400 | POST / HTTP/1.1~Host: web.fleet.test~Content-Length: 45~Connection: content-length~~GET /SMUGGLED HTTP/1.1~Host: web.fleet.test~~
            Connection names Transfer-Encoding       | 400 | POST / HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: chunked~Connection: Transfer-Encoding~~0~~
            Connection names Host                    | 400 | GET /SMUGGLED HTTP/1.1~Host: web.fleet.test~Connection: keep-alive, host~~
            duplicate Host                           | 400 | GET /SMUGGLED HTTP/1.1~Host: web.fleet.test~Host: other.example~~
            missing Host in HTTP/1.1                 | 400 | GET /SMUGGLED HTTP/1.1~~
            CONNECT                                  | 405 | CONNECT web.fleet.test:443 HTTP/1.1~Host: web.fleet.test:443~~
            unknown expectation                      | 417 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Expect: telepathy~Content-Length: 0~~
            /proxy on a foreign hostname             | 404 | GET /proxy/web/1/SMUGGLED HTTP/1.1~Host: customer.example~~
            absolute-form, other scheme              | 400 | GET ftp://web.fleet.test/SMUGGLED HTTP/1.1~Host: web.fleet.test~~
            absolute-form with user info             | 400 | GET http://u@web.fleet.test/SMUGGLED HTTP/1.1~Host: web.fleet.test~~
            asterisk-form with GET                   | 400 | GET * HTTP/1.1~Host: web.fleet.test~~
            authority-form with GET                  | 400 | GET web.fleet.test:80 HTTP/1.1~Host: web.fleet.test~~
            Content-Length and Transfer-Encoding     | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Content-Length: 4~Transfer-Encoding: chunked~~0~~
            two different Content-Lengths            | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Content-Length: 1~Content-Length: 2~~ab
            signed Content-Length                    | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Content-Length: +2~~ab
            Transfer-Encoding not ending in chunked  | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: chunked, identity~~0~~
            space before the colon                   | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding : chunked~~0~~
            Transfer-Encoding in HTTP/1.0            | 400 | POST /SMUGGLED HTTP/1.0~Host: web.fleet.test~Transfer-Encoding: chunked~~0~~
            chunked applied twice                    | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: chunked, chunked~~0~~
            unknown transfer coding                  | 501 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: rot13, chunked~~0~~
            chunk size that is not hex               | 400 | POST /SMUGGLED HTTP/1.1~Host: web.fleet.test~Transfer-Encoding: chunked~~zz~~
            NUL in a header value                    | 400 | GET /SMUGGLED HTTP/1.1~Host: web.fleet.test~X-A: a{NUL}b~~
            space in a header name                   | 400 | GET /SMUGGLED HTTP/1.1~Host: web.fleet.test~Bad Name: x~~
            extra token on the request line          | 400 | GET /SMUGGLED HTTP/1.1 x~Host: web.fleet.test~~
            Host with user info                      | 400 | GET /SMUGGLED HTTP/1.1~Host: user@web.fleet.test~~
            """)
    void refusedRequestsNeverReachTheMachine(String what, int status, String request) throws IOException {
        RawHttp.Response response = RawHttp.exchange(port(), request.replace("~", "\r\n").replace("{NUL}", "\0"));
        assertThat(response.status()).as(what).isEqualTo(status);
        control("after");
        assertThat(upstream.raw()).as("what the machine received").doesNotContainIgnoringCase("smuggled");
        assertThat(upstream.heads()).as("requests the machine received").hasSize(1);
    }

    @Test
    void absoluteFormIsRoutedByItsAuthorityAndForwardedInOriginForm() throws IOException {
        RawHttp.Response response = RawHttp.exchange(port(),
                "GET http://WEB.fleet.test/abs?x=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        String head = upstream.heads().getFirst();
        assertThat(head).startsWith("GET /abs?x=1 HTTP/1.1\r\n").containsIgnoringCase("\nhost: WEB.fleet.test\r\n")
                .doesNotContain("other.example");
        // routed by the authority, not by Host: a known Host with an unknown authority is not forwarded
        RawHttp.Response unknown = RawHttp.exchange(port(),
                "GET http://nobody.example/ HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(upstream.heads()).hasSize(1);
    }

    @Test
    void expectContinueIsAnsweredByTheIngressAndTheBodyFollows() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(ingress.address(), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("PUT /upload HTTP/1.1\r\nHost: web.fleet.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            RawHttp.Response interim = RawHttp.read(in); // before any body byte is sent: no hang until a timeout
            assertThat(interim.status()).isEqualTo(100);
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            RawHttp.Response response = RawHttp.read(in);
            assertThat(response.status()).as("the final response, after the upstream's 103 was dropped").isEqualTo(200);
            assertThat(response.body()).isEqualTo("ok");
            // the connection is still in step: a second request gets its own response
            out.write("GET /second HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(RawHttp.read(in).status()).isEqualTo(200);
        }
        assertThat(upstream.heads().getFirst()).startsWith("PUT /upload HTTP/1.1").doesNotContainIgnoringCase("expect:");
        assertThat(upstream.raw()).contains("hello");
        assertThat(upstream.heads()).hasSize(2);
    }

    @Test
    void optionsAsteriskIsAnsweredHere() throws IOException {
        RawHttp.Response response = RawHttp.exchange(port(), "OPTIONS * HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers()).containsKey("allow");
        control("after");
        assertThat(upstream.heads()).hasSize(1);
    }

    @Test
    void obsFoldedHeadersNeverReachTheMachineFolded() throws IOException {
        RawHttp.Response response = RawHttp.exchange(port(),
                "GET /folded HTTP/1.1\r\nHost: web.fleet.test\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n");
        if (response.status() == 200) { // RFC 9112 5.2: reject, or replace each obs-fold with SP
            assertThat(upstream.raw()).doesNotContain("a\r\n b").containsIgnoringCase("x-folded: a b\r\n");
        } else {
            assertThat(response.status()).isEqualTo(400);
            control("after");
            assertThat(upstream.raw()).doesNotContain("folded");
        }
    }
}

package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.Poll;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.routing.IngressNaming;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What clients get when a machine's response is other than its framing says: more bytes after
 * it, a cut, a protocol switch with data behind it. Judged by the bytes each client received. One
 * event loop and one upstream connection per machine, so every client shares that connection
 * (or waits for it).
 */
class MachineResponseTest {
    private static final String SMUGGLED = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED";
    private EventLoopGroup group;
    private FakeMachine machine;
    private HttpIngressServer ingress;

    @BeforeEach
    void start() throws Exception {
        group = Transports.group(1);
        machine = new FakeMachine();
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", machine.port()))
                .upstreamPoolSizePerMachine(1).upstreamResponseTimeout(Duration.ofSeconds(10)).trustedProxies(List.of()).build();
        ingress = Upstreams.ingressToWeb(config, machine.port(), group);
    }

    @AfterEach
    void stop() throws IOException {
        ingress.close();
        machine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what (~ is CRLF)        | method | the machine's answer, then a second response it lines up     | status | body
            length body, then more    | GET    | HTTP/1.1 200 OK~Content-Length: 2~~ok                         | 200    | ok
            chunked body, then more   | GET    | HTTP/1.1 200 OK~Transfer-Encoding: chunked~~2~ok~0~~          | 200    | ok
            304 with a body           | GET    | HTTP/1.1 304 Not Modified~ETag: x~~                           | 304    | ''
            204 with a body           | GET    | HTTP/1.1 204 No Content~Content-Length: 37~~                  | 204    | ''
            HEAD answered with a body | HEAD   | HTTP/1.1 200 OK~Content-Length: 46~~                          | 200    | ''
            """)
    void bytesAfterACompleteResponseAnswerNeitherThePipelinedRequestNorTheNextClient(String what, String method, String answer,
            int status, String body) throws Exception {
        machine.on("/first", FakeMachine.bytes(answer.replace("~", "\r\n") + SMUGGLED));
        try (Socket client = connect()) {
            send(client, method + " /first HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n"); // pipelined: bound to the connection as soon as the first ends
            InputStream in = client.getInputStream();
            if (method.equals("HEAD")) {
                assertThat(RawHttp.readHead(in)).as(what).startsWith("HTTP/1.1 " + status + " ");
            } else {
                RawHttp.Response first = RawHttp.read(in);
                assertThat(first.status()).as(what).isEqualTo(status);
                assertThat(first.body()).as(what).isEqualTo(body);
            }
            RawHttp.Response second = RawHttp.read(in);
            assertThat(second.body()).as(what + ": the pipelined request's own answer").isEqualTo("RESPONSE-FOR /second");
        }
        assertThat(get("/third").body()).as(what + ": the next client's own answer").isEqualTo("RESPONSE-FOR /third");
        assertThat(machine.connections()).as("the connection that sent more than its response is never reused").isGreaterThan(1);
    }

    @Test
    void bytesAfterACompleteResponseNeverReachAClientWaitingForThatConnection() throws Exception {
        CountDownLatch answerNow = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        machine.on("/held", (head, socket) -> {
            held.countDown();
            await(answerNow);
            FakeMachine.write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + SMUGGLED); // one write: one read
            return true;
        });
        try (Socket a = connect(); Socket b = connect()) {
            send(a, "GET /held HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            // the machine has A's request: its connection is open and busy (one still connecting is not counted by the pool)
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            send(b, "GET /victim-B HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            Poll.until(Duration.ofSeconds(10), "B waiting for the only upstream connection", () -> ingress.requestsInFlight("web") == 2);
            answerNow.countDown();
            assertThat(RawHttp.read(a.getInputStream()).body()).isEqualTo("ok");
            assertThat(RawHttp.read(b.getInputStream()).body()).as("B's own answer, never what A's machine lined up")
                    .isEqualTo("RESPONSE-FOR /victim-B");
        }
    }

    @Test
    void aBodyUntilCloseThatTheMachineResetsReachesAKeepAliveClientWithoutItsLastChunkAndReset() throws Exception {
        CountDownLatch resetNow = new CountDownLatch(1);
        machine.on("/reset", (head, socket) -> {
            FakeMachine.write(socket, "HTTP/1.1 200 OK\r\n\r\nbody-until-close");
            await(resetNow);
            socket.setSoLinger(true, 0); // closed with a reset: not the body's end
            return false;
        });
        try (Socket client = connect()) {
            send(client, "GET /reset HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            String before = readUntil(client, "body-until-close");
            assertThat(before).contains("transfer-encoding: chunked");
            resetNow.countDown();
            Received rest = readToEnd(client);
            assertThat(rest.text()).as("no last chunk: the body is not complete").doesNotContain("0\r\n\r\n");
            assertThat(rest.end()).isEqualTo(End.RESET);
        }
    }

    @Test
    void aChunkedBodyCutByTheMachineEndsAnHttp10ClientsConnectionWithAResetNotTheFinThatWouldEndItsBody() throws Exception {
        machine.on("/cut", (head, socket) -> {
            FakeMachine.write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            return false; // a FIN in the middle of the chunked body
        });
        try (Socket client = connect()) {
            send(client, "GET /cut HTTP/1.0\r\nHost: web.fleet.test\r\n\r\n");
            Received all = readToEnd(client);
            assertThat(all.text()).doesNotContain("transfer-encoding"); // the body went dechunked, delimited by the close
            assertThat(all.end()).as("a FIN would tell this client its body is complete").isEqualTo(End.RESET);
        }
    }

    @Test
    void webSocketFramesThatCameWithThe101ReachTheClientRightAfterItAndInOrder() throws Exception {
        machine.on("/ws", (head, socket) -> {
            FakeMachine.write(socket, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\u0081\u0002hi"); // one write: the 101 and a frame
            socket.getInputStream().readNBytes(6); // the client's (empty, masked) frame: the tunnel is up
            FakeMachine.write(socket, "\u0081\u0003bye");
            return true;
        });
        try (Socket client = connect()) {
            send(client, "GET /ws HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(readUntil(client, "\r\n\r\n")).startsWith("HTTP/1.1 101 ");
            send(client, "\u0081\u0080mask");
            assertThat(readUntil(client, "bye")).as("every byte after the 101, in order").isEqualTo("\u0081\u0002hi\u0081\u0003bye");
        }
    }

    @Test
    void aChunkSizeLineWithMoreAfterItsSpaceIsNeverForwardedAndWithTheHeadStillHeldBecomesA502() throws Exception {
        machine.on("/two-three", FakeMachine.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 3\r\nok\r\n0\r\n\r\n"));
        try (Socket client = connect()) {
            send(client, "GET /two-three HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            Received all = readToEnd(client);
            assertThat(all.text()).as("a size read as 2 here and as 0x23 elsewhere").doesNotContain("2 3", "200 OK")
                    .startsWith("HTTP/1.1 502 ").contains("invalid response from upstream");
            assertThat(all.end()).as("the 502 is the whole answer: nothing of the machine's went before it").isEqualTo(End.FIN);
        }
    }

    @Test
    void anInvalidChunkAfterTheHeadWentOutCutsTheResponseWithAReset() throws Exception {
        CountDownLatch headRead = new CountDownLatch(1);
        machine.on("/late-two-three", (head, socket) -> {
            FakeMachine.write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n");
            await(headRead);
            FakeMachine.write(socket, "2 3\r\nno\r\n0\r\n\r\n");
            return true;
        });
        try (Socket client = connect()) {
            send(client, "GET /late-two-three HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            assertThat(readUntil(client, "\r\nok\r\n")).startsWith("HTTP/1.1 200 OK");
            headRead.countDown();
            Received rest = readToEnd(client);
            assertThat(rest.text()).doesNotContain("2 3", "no", "0\r\n\r\n");
            assertThat(rest.end()).as("a 200 already went: only a reset tells the client its body is not whole").isEqualTo(End.RESET);
        }
    }

    @Test
    void theTrailerFieldIsEndToEndAndGoesOnlyWhereTheTrailersCanGo() throws Exception {
        machine.on("/trailers", FakeMachine.bytes("HTTP/1.1 200 OK\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nok\r\n0\r\nX-Checksum: abc\r\n\r\n"));
        try (Socket client = connect()) {
            send(client, "GET /trailers HTTP/1.1\r\nHost: web.fleet.test\r\n\r\n");
            String head = RawHttp.readHead(client.getInputStream());
            assertThat(head).as("RFC 9110 6.6.2: not hop-by-hop").contains("\r\nTrailer: X-Checksum\r\n");
            assertThat(readUntil(client, "\r\n0\r\n")).isEqualTo("2\r\nok\r\n0\r\n");
            assertThat(readUntil(client, "\r\n\r\n")).isEqualTo("X-Checksum: abc\r\n\r\n");
        }
        try (Socket client = connect()) {
            send(client, "GET /trailers HTTP/1.0\r\nHost: web.fleet.test\r\n\r\n");
            Received all = readToEnd(client);
            assertThat(all.text()).as("dechunked for HTTP/1.0: the trailers are dropped, so is the field announcing them")
                    .endsWith("\r\n\r\nok").doesNotContain("X-Checksum");
            assertThat(all.end()).isEqualTo(End.FIN);
        }
    }

    /** How a client's connection ended: an orderly close, a reset, or not at all within its read timeout. */
    private enum End { FIN, RESET, OPEN }

    private record Received(String text, End end) {}

    /** Everything {@code socket} reads until its connection ends. */
    private static Received readToEnd(Socket socket) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = socket.getInputStream().read(buffer)) != -1; ) {
                got.write(buffer, 0, n);
            }
            return new Received(got.toString(StandardCharsets.ISO_8859_1), End.FIN);
        } catch (java.net.SocketTimeoutException open) {
            return new Received(got.toString(StandardCharsets.ISO_8859_1), End.OPEN);
        } catch (java.net.SocketException reset) {
            return new Received(got.toString(StandardCharsets.ISO_8859_1), End.RESET);
        }
    }

    /** What {@code socket} reads up to and with {@code marker}. */
    private static String readUntil(Socket socket, String marker) throws IOException {
        StringBuilder got = new StringBuilder();
        InputStream in = socket.getInputStream();
        while (got.indexOf(marker) < 0) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection ended before " + marker + " (got: " + got + ")");
            }
            got.append((char) c);
        }
        return got.toString();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", ingress.address().getPort());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    private RawHttp.Response get(String path) throws IOException {
        return RawHttp.exchange(ingress.address().getPort(), "GET " + path + " HTTP/1.1\r\nHost: web.fleet.test\r\nConnection: close\r\n\r\n");
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IOException("the test never let the machine answer");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

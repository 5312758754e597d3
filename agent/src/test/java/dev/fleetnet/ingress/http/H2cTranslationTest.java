package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.tls.TestCertificates;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an h2c machine receives from an HTTP/2 client through the ingress, frame by frame, from a
 * raw client that sends what well-behaved clients never do: only what the ingress understood
 * and rewrote for it (RFC 9113 8, RFC 9110 6.5).
 */
class H2cTranslationTest {
    @TempDir
    static Path dir;
    static Certificate cert;
    static EventLoopGroup group;
    static RecordingH2cMachine machine;
    static HttpIngressServer ingress;

    @BeforeAll
    static void start() throws Exception {
        cert = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        group = Transports.group(1);
        machine = new RecordingH2cMachine(group);
        ingress = Upstreams.tlsIngressToWeb(machine.port(), true, cert, group);
    }

    @AfterAll
    static void stop() {
        ingress.close();
        machine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Sends {@code head}, {@code body} and {@code trailers} (field names and values) on stream 1; the status answered. */
    private static String exchange(String[] head, String body, String... trailers) throws Exception {
        try (RawH2 h2 = RawH2.connect(ingress.tlsAddress().getPort(), "a.test", List.of(cert))) {
            h2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.literal(head));
            h2.frame(RawH2.DATA, 0, 1, body.getBytes(StandardCharsets.ISO_8859_1));
            h2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.literal(trailers));
            RawH2.Frame f = h2.await(x -> x.stream() == 1 && (x.type() == RawH2.HEADERS || x.type() == RawH2.RST_STREAM));
            if (f == null || f.type() == RawH2.RST_STREAM) {
                return f == null ? "closed" : "RST_STREAM " + f.errorCode();
            }
            return new DefaultHttp2HeadersDecoder(false).decodeHeaders(1, Unpooled.wrappedBuffer(f.payload())).status().toString();
        }
    }

    @Test
    void requestTrailersEndTheStreamButAreNotForwarded() throws Exception {
        // As for HTTP/1.1 clients (RequestAmbiguityTest): a request's trailers do not reach the machine,
        // whatever they claim (routing, framing, the forwarding fields the ingress sets).
        int before = machine.frames.size();
        String status = exchange(new String[] {":method", "POST", ":scheme", "https", ":authority", "a.test", ":path", "/up"}, "01234",
                "host", "evil.test", "x-forwarded-for", "6.6.6.6", "x-machine-id", "other", "content-length", "99");
        assertThat(status).as("the machine saw the request end and answered").isEqualTo("200");
        List<String> received = List.copyOf(machine.frames.subList(before, machine.frames.size()));
        List<String> blocks = received.stream().filter(f -> !f.startsWith("DATA ")).toList();
        assertThat(blocks).as("header blocks: the request head alone").hasSize(1);
        assertThat(blocks.getFirst()).contains(":path: /up", ":authority: a.test", "x-forwarded-for: 127.0.0.1", "x-machine-id: web");
        assertThat(String.join("", received.stream().filter(f -> f.startsWith("DATA ")).map(f -> f.substring(5)).toList()))
                .as("the body; the empty DATA that ends the stream may be merged into the one before").isEqualTo("01234");
        assertThat(String.join("", received)).doesNotContain("evil.test", "6.6.6.6", "other", "99");
    }
}

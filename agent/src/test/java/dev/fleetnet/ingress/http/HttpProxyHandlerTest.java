package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.routing.MachineEntry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ingress handler's own answers, in memory: no sockets, no upstream. */
class HttpProxyHandlerTest {
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        IngressConfig config = IngressConfig.builder().naming(new IngressNaming("fleet.test", 8080))
                .maxHeaderBytes(1024).maxBodyBytes(1000).build();
        IngressRoutes routes = IngressRoutes.empty(config.naming());
        routes.swap(routes.current().withMachine(new MachineEntry("web", "fdaa:0:1:0:1:0:1:0", true, Set.of(8080), "", Set.of(8080))));
        routes.swap(routes.current().withMachine(new MachineEntry("down", "fdaa:0:1:0:1:0:2:0", false, Set.of(8080), "", Set.of(8080))));
        IngressContext ingress = new IngressContext(config, routes, new OutstandingRequests(), new UpstreamPools(config, new dev.fleetnet.ingress.core.UpstreamConnector(config.upstreamConnectTimeout())), 80, "http");
        Http1ServerCodec codec = new Http1ServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 8192);
        channel = new EmbeddedChannel(new HeaderReadTimeoutHandler(config.headerReadTimeout()), codec.decoder(), codec.encoder(),
                new HttpProxyHandler(ingress));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\nHost: nowhere.example\\r\\n\\r\\n | 404 | {\"error\": \"unknown hostname nowhere.example\", \"machine\": null, \"port\": null}",
        "GET / HTTP/1.1\\r\\nHost: ghost.fleet.test\\r\\n\\r\\n | 404 | {\"error\": \"unknown machine\", \"machine\": \"ghost\", \"port\": null}",
        "GET / HTTP/1.1\\r\\nHost: down.fleet.test\\r\\n\\r\\n | 503 | {\"error\": \"machine not running\", \"machine\": \"down\", \"port\": 8080}",
        "GET / HTTP/1.1\\r\\nHost: web-9999.fleet.test\\r\\n\\r\\n | 403 | {\"error\": \"port not exposed\", \"machine\": \"web\", \"port\": 9999}",
        "GET /health HTTP/1.1\\r\\nHost: any\\r\\n\\r\\n | 200 | {\"status\": \"ok\"}",
        "POST / HTTP/1.1\\r\\nHost: web.fleet.test\\r\\nContent-Length: 5000\\r\\n\\r\\n | 413 | {\"error\": \"request body too large (limit 1000 bytes)\", \"machine\": \"web\", \"port\": 8080}",
    })
    void answersWithJsonErrors(String request, int status, String body) {
        String response = exchange(request.replace("\\r\\n", "\r\n"));
        assertThat(response).startsWith("HTTP/1.1 " + status + " ");
        assertThat(response).contains("content-type: application/json");
        assertThat(response).endsWith(body + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "content-length with transfer-encoding | POST / HTTP/1.1\\r\\nHost: web.fleet.test\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "two different content-lengths | POST / HTTP/1.1\\r\\nHost: web.fleet.test\\r\\nContent-Length: 4\\r\\nContent-Length: 5\\r\\n\\r\\nabcde",
        "transfer-encoding not ending in chunked | POST / HTTP/1.1\\r\\nHost: web.fleet.test\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n",
    })
    void ambiguousFramingIs400AndCloses(String name, String request) {
        String response = exchange(request.replace("\\r\\n", "\r\n"));
        assertThat(response).as(name).startsWith("HTTP/1.1 400 ");
        assertThat(response).contains("\"error\": \"malformed request");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void oversizedHeadersAre431() {
        String response = exchange("GET / HTTP/1.1\r\nHost: web.fleet.test\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 431 ");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void keepAliveServesTheNextRequestOnTheSameConnection() {
        String first = exchange("GET / HTTP/1.1\r\nHost: ghost.fleet.test\r\n\r\n");
        String second = exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(first).startsWith("HTTP/1.1 404 ");
        assertThat(second).startsWith("HTTP/1.1 200 ");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void refusedRequestBodyIsDiscardedBeforeTheNextRequest() {
        String first = exchange("POST / HTTP/1.1\r\nHost: down.fleet.test\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(first).startsWith("HTTP/1.1 503 ").contains("HTTP/1.1 200 ");
    }

    @Test
    void connectionCloseIsHonoured() {
        String response = exchange("GET / HTTP/1.1\r\nHost: ghost.fleet.test\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 404 ").contains("connection: close");
        assertThat(channel.isOpen()).isFalse();
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }
}

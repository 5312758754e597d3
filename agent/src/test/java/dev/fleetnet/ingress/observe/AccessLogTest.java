package dev.fleetnet.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.ingress.core.IngressObserver.ConnectionRecord;
import dev.fleetnet.ingress.core.IngressObserver.RequestRecord;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    private static final RouteLabel SHOP = new RouteLabel("shop.example.com/api", "http", "web1");

    @Test
    void writesOneJsonLinePerRequest() {
        StringBuilder sb = new StringBuilder();
        AccessLogLines.request(sb, new RequestRecord(1_700_000_000_123L, "2001:db8::7", "shop.example.com", "POST",
                "/api/x?token=secret", SHOP, "web1", 201, 12, 345, 12_345_678, 2_500_000, "HTTP/1.1"));
        JsonObject line = JsonParser.parseString(sb.toString()).getAsJsonObject();
        assertThat(line.get("time").getAsString()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(line.get("client").getAsString()).isEqualTo("2001:db8::7");
        assertThat(line.get("host").getAsString()).isEqualTo("shop.example.com");
        assertThat(line.get("method").getAsString()).isEqualTo("POST");
        assertThat(line.get("path").getAsString()).as("the query may hold secrets").isEqualTo("/api/x");
        assertThat(line.get("route").getAsString()).isEqualTo("shop.example.com/api");
        assertThat(line.get("owner").getAsString()).isEqualTo("web1");
        assertThat(line.get("machine").getAsString()).isEqualTo("web1");
        assertThat(line.get("status").getAsInt()).isEqualTo(201);
        assertThat(line.get("bytes_in").getAsLong()).isEqualTo(12);
        assertThat(line.get("bytes_out").getAsLong()).isEqualTo(345);
        assertThat(line.get("duration_ms").getAsDouble()).isEqualTo(12.345);
        assertThat(line.get("upstream_ms").getAsDouble()).isEqualTo(2.5);
        assertThat(line.get("protocol").getAsString()).isEqualTo("HTTP/1.1");
        assertThat(sb.toString()).doesNotContain("\n");
    }

    @Test
    void escapesWhatClientsSend() {
        StringBuilder sb = new StringBuilder();
        AccessLogLines.request(sb, new RequestRecord(0, "192.0.2.1", "a\"b\n", "GET", "/\\\u0001", RouteLabel.NONE, "", 400,
                0, 0, 0, 0, "HTTP/1.0"));
        JsonObject line = JsonParser.parseString(sb.toString()).getAsJsonObject();
        assertThat(line.get("host").getAsString()).isEqualTo("a\"b\n");
        assertThat(line.get("path").getAsString()).isEqualTo("/\\\u0001");
        assertThat(sb.toString()).doesNotContain("\n");
    }

    @Test
    void writesConnectionsWithTheirOutcome() {
        StringBuilder sb = new StringBuilder();
        AccessLogLines.connection(sb, new ConnectionRecord(0, "192.0.2.1", "db.example.com",
                new RouteLabel("tls/db.example.com", "tls-passthrough", "db1"), "db1", 10, 20, 5_000_000, 1_000, "closed"));
        JsonObject line = JsonParser.parseString(sb.toString()).getAsJsonObject();
        assertThat(line.get("outcome").getAsString()).isEqualTo("closed");
        assertThat(line.get("protocol").getAsString()).isEqualTo("tls-passthrough");
        assertThat(line.get("upstream_ms").getAsDouble()).isEqualTo(0.001);
        assertThat(line.has("status")).isFalse();
    }

    @Test
    void writesEveryQueuedLineThenCloses() {
        StringWriter out = new StringWriter();
        try (AccessLog log = AccessLog.to(out, 100)) {
            for (int i = 0; i < 50; i++) {
                log.request(new RequestRecord(0, "c", "h", "GET", "/" + i, SHOP, "web1", 200, 0, 0, 0, 0, "HTTP/1.1"));
            }
        }
        assertThat(out.toString().lines()).hasSize(50).last().asString().contains("\"path\":\"/49\"");
    }

    @Test
    void dropsAndCountsWhenTheQueueIsFullInsteadOfBlocking() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StringWriter lines = new StringWriter();
        Writer stuck = new Writer() { // the disk is stuck until released
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                lines.write(buf, off, len);
            }

            @Override public void flush() {}
            @Override public void close() {}
        };
        AccessLog log = AccessLog.to(stuck, 2);
        RequestRecord r = new RequestRecord(0, "c", "h", "GET", "/", SHOP, "web1", 200, 0, 0, 0, 0, "HTTP/1.1");
        log.request(r);
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds the first line
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            log.request(r); // two fit in the queue, the other eight are dropped
        }
        assertThat(System.nanoTime() - start).as("never blocks").isLessThan(TimeUnit.SECONDS.toNanos(1));
        assertThat(log.dropped()).isEqualTo(8);
        release.countDown();
        log.close();
        assertThat(lines.toString().lines()).hasSize(3);
    }

    @Test
    void reopensTheFileAfterRotation(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("access.log");
        java.nio.file.Path rotated = dir.resolve("access.log.1");
        RequestRecord r = new RequestRecord(0, "c", "h", "GET", "/", SHOP, "web1", 200, 0, 0, 0, 0, "HTTP/1.1");
        try (AccessLog log = AccessLog.open(file.toString())) {
            log.request(r);
            awaitLines(file, 1);
            java.nio.file.Files.move(file, rotated);
            log.reopen();
            log.request(r);
            log.request(r);
            awaitLines(file, 2);
        }
        assertThat(java.nio.file.Files.readAllLines(rotated)).hasSize(1);
        assertThat(java.nio.file.Files.readAllLines(file)).hasSize(2);
    }

    @Test
    void saysWhichFlagWhenTheFileCannotBeOpened() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AccessLog.open("/nonexistent-dir/access.log"))
                .isExactlyInstanceOf(IOException.class).hasMessageStartingWith("--access-log: '/nonexistent-dir/access.log'");
    }

    private static void awaitLines(java.nio.file.Path file, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(java.nio.file.Files.exists(file) && java.nio.file.Files.readAllLines(file).size() >= count)) {
            assertThat(System.nanoTime()).as(file + " to hold " + count + " lines").isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(10); // poll interval under a deadline
        }
    }
}

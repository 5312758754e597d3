package dev.fleetnet.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.Poll;
import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExchangeDeadlinesTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final List<String> expired = new CopyOnWriteArrayList<>();
    private volatile Exchange current;

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private ExchangeDeadlines deadlines(Duration request, Duration response) {
        return new ExchangeDeadlines(loop, request, response, () -> current,
                missed -> expired.add(missed == ExchangeDeadlines.Missed.REQUEST ? "request" : "response"));
    }

    private static Exchange exchange() {
        MachineEntry machine = new MachineEntry("web", "127.0.0.1", true, Set.of(8080), "", Set.of(8080));
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        Admission.Admit admit = new Admission.Admit(machine, 8080, 0, false, false, false, IngressObserver.RouteLabel.NONE, null);
        return new Exchange(request, RequestAsSent.of(request, System.nanoTime()), admit, new InetSocketAddress("127.0.0.1", 8080), null);
    }

    private void onLoop(Runnable task) throws Exception {
        loop.submit(task).get();
    }

    @Test
    void aBodyThatNeverEndsTimesOutTheRequest() throws Exception {
        ExchangeDeadlines d = deadlines(Duration.ofMillis(100), Duration.ofSeconds(30));
        Exchange ex = exchange();
        long start = System.nanoTime();
        onLoop(() -> {
            current = ex;
            d.requestStarted(ex, System.nanoTime());
        });
        Poll.until(Duration.ofSeconds(5), "request timeout", () -> !expired.isEmpty());
        assertEquals(List.of("request"), expired);
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(100).toNanos(), "expired before the deadline");
    }

    @Test
    void aMachineThatNeverAnswersTimesOutTheResponseWithTheSameTimer() throws Exception {
        ExchangeDeadlines d = deadlines(Duration.ofSeconds(30), Duration.ofMillis(150));
        Exchange ex = exchange();
        onLoop(() -> {
            current = ex;
            d.requestStarted(ex, System.nanoTime()); // armed at the earliest deadline it can get: now + response timeout
            ex.requestComplete = true;
            ex.requestDeadline = 0;
            d.awaitingResponse(ex, System.nanoTime());
        });
        Poll.until(Duration.ofSeconds(5), "response timeout", () -> !expired.isEmpty());
        assertEquals(List.of("response"), expired);
    }

    @Test
    void aResponseThatStartedInTimeExpiresNothing() throws Exception {
        ExchangeDeadlines d = deadlines(Duration.ofMillis(60), Duration.ofMillis(60));
        Exchange ex = exchange();
        onLoop(() -> {
            current = ex;
            d.requestStarted(ex, System.nanoTime());
            ex.requestComplete = true;
            d.awaitingResponse(ex, System.nanoTime());
            ex.responseStarted = true;
        });
        assertNothingExpiresWithin(Duration.ofMillis(300));
    }

    @Test
    void aClosedConnectionKeepsNoTimer() throws Exception {
        ExchangeDeadlines d = deadlines(Duration.ofMillis(60), Duration.ofMillis(60));
        Exchange ex = exchange();
        onLoop(() -> {
            current = ex;
            d.requestStarted(ex, System.nanoTime());
            d.close();
        });
        assertNothingExpiresWithin(Duration.ofMillis(300));
    }

    /** Lets {@code period} (several timeouts) pass, then checks that no deadline expired. */
    private void assertNothingExpiresWithin(Duration period) throws Exception {
        long after = System.nanoTime() + period.toNanos();
        Poll.until(Duration.ofSeconds(5), period + " to pass", () -> System.nanoTime() >= after);
        onLoop(() -> {}); // whatever the timer ran has run
        assertEquals(List.of(), expired);
    }
}

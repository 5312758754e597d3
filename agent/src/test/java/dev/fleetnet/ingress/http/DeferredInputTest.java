package dev.fleetnet.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class DeferredInputTest {
    private static HttpContent body(int bytes) {
        return new DefaultHttpContent(Unpooled.buffer(bytes).writeZero(bytes));
    }

    @Test
    void keepsOrderAndCountsTheBodyBytesWaiting() {
        DeferredInput input = new DeferredInput();
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        HttpContent part = body(DeferredInput.MAX_BYTES);
        input.add(request);
        input.add(part);
        assertFalse(input.full(), "exactly the bound is not past it");
        HttpContent more = body(1);
        input.add(more);
        assertTrue(input.full(), "past the byte bound");
        assertSame(request, input.poll());
        assertSame(part, input.peek());
        assertSame(part, input.poll());
        assertFalse(input.full(), "the consumed part no longer counts");
        assertSame(more, input.poll());
        assertTrue(input.isEmpty());
        part.release();
        more.release();
    }

    @Test
    void tooManyMessagesAreFullToo() {
        DeferredInput input = new DeferredInput();
        for (int i = 0; i <= DeferredInput.MAX_MESSAGES; i++) {
            assertFalse(input.full(), "full after " + i + " messages");
            input.add(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/" + i));
        }
        assertTrue(input.full());
    }

    @Test
    void releasesWhatIsLeftWhenTheConnectionCloses() {
        DeferredInput input = new DeferredInput();
        HttpContent a = body(10);
        HttpContent b = body(10);
        input.add(a);
        input.add(b);
        input.releaseAll();
        assertTrue(input.isEmpty());
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
    }
}

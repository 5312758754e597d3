package dev.fleetnet.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SniCompletionEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerNameGuardTest {
    @ParameterizedTest(name = "[{index}] SNI {0}, {1} Host {2} -> misdirected {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # server name | target                | Host header      | misdirected
            a.test        | /                     | a.test           | false
            a.test        | /                     | A.TEST:443       | false
            a.test        | /                     | a.test.          | false
            a.test        | /                     | b.test           | true
            a.test        | /                     | a.test.evil      | true
            a.test        | http://b.test/x       | a.test           | true
            a.test        | https://a.test:8443/x | b.test           | false
            a.test        | /                     | -                | false
            x.w.test      | /                     | y.w.test         | true
            """)
    void marksRequestsForAnotherHostname(String serverName, String target, String host, boolean misdirected) {
        EmbeddedChannel channel = new EmbeddedChannel(new ServerNameGuard());
        channel.pipeline().fireUserEventTriggered(new SniCompletionEvent(serverName));
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        if (host != null) {
            request.headers().set("host", host);
        }
        channel.writeInbound(request);
        HttpRequest passed = channel.readInbound();
        assertThat(passed).as("passed on, marked or not").isSameAs(request);
        assertThat(passed.decoderResult().isFailure()).isEqualTo(misdirected);
        if (misdirected) {
            assertThat(passed.decoderResult().cause()).isInstanceOf(MisdirectedRequest.class).hasMessageContaining(serverName);
        }
        channel.finishAndReleaseAll();
    }
}

package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {

    private static HttpHeaders te(String... values) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String v : values) {
            h.add("TE", v);
        }
        return h;
    }

    @Test
    void trailersIsFoundAsAMemberOfTeWhereverItStands() {
        assertThat(ForwardingHeaders.acceptsTrailers(te("trailers"))).isTrue();
        assertThat(ForwardingHeaders.acceptsTrailers(te("gzip;q=0.5, Trailers"))).isTrue();
        assertThat(ForwardingHeaders.acceptsTrailers(te("deflate", "trailers"))).isTrue();
    }

    @Test
    void noTeOrOtherCodingsOrLookalikesAreNotTrailers() {
        assertThat(ForwardingHeaders.acceptsTrailers(te())).isFalse();
        assertThat(ForwardingHeaders.acceptsTrailers(te("gzip, deflate"))).isFalse();
        assertThat(ForwardingHeaders.acceptsTrailers(te("trailersx", "x-trailers"))).isFalse();
    }

    @Test
    void everyHopByHopFieldGoesWhateverItsCaseAndCountAndTheRestStays() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Server", "nginx");
        h.add("CONNECTION", "keep-alive, X-Secret");
        h.add("connection", "Upgrade");
        h.add("Keep-Alive", "timeout=5");
        h.add("x-secret", "named by Connection");
        h.add("Proxy-Connection", "keep-alive");
        h.add("te", "trailers");
        h.add("Trailer", "Expires");
        h.add("upgrade", "websocket");
        h.add("Proxy-Authenticate", "Basic");
        h.add("proxy-authorization", "Basic Zm9vOmJhcg==");
        h.add("Content-Length", "3");
        assertThat(ForwardingHeaders.hopByHopPresent(h)).isEqualTo(0xFF);
        ForwardingHeaders.toClient(h, false, "fleetnet");
        assertThat(h.names()).containsExactlyInAnyOrder("Server", "Content-Length", "via");
        assertThat(h.get("Via")).isEqualTo("1.1 fleetnet");
    }

    @Test
    void withoutHopByHopFieldsNothingIsRemoved() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Host", "web.test");
        h.add("Connections", "not the Connection field");
        h.add("X-Keep-Alive", "neither");
        assertThat(ForwardingHeaders.hopByHopPresent(h)).isZero();
        ForwardingHeaders.toClient(h, false, "fleetnet");
        assertThat(h.names()).containsExactlyInAnyOrder("Host", "Connections", "X-Keep-Alive", "via");
    }
}

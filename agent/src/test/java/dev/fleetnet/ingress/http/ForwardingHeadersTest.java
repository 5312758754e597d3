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
}

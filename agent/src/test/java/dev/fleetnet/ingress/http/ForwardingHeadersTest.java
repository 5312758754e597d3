package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {

    private static HttpHeaders te(String... values) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String v : values) {
            h.add("TE", v);
        }
        return h;
    }

    /** Fields in order from name, value, name, value, ... */
    private static HttpHeaders fields(String... namesAndValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
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
        HttpHeaders h = fields("Server", "nginx", "CONNECTION", "keep-alive, X-Secret", "connection", "Upgrade",
                "Keep-Alive", "timeout=5", "x-secret", "named by Connection", "Proxy-Connection", "keep-alive", "te", "trailers",
                "Trailer", "Expires", "upgrade", "websocket", "Proxy-Authenticate", "Basic",
                "proxy-authorization", "Basic Zm9vOmJhcg==", "Content-Length", "3");
        assertThat(ForwardingHeaders.hopByHopPresent(h)).isEqualTo(0xFF);
        ForwardingHeaders.toClient(h, false, "fleetnet");
        // Trailer is end to end (RFC 9110 6.6.2): it announces the trailer fields the response still carries
        assertThat(h.names()).containsExactlyInAnyOrder("Server", "Content-Length", "Trailer", "via");
        assertThat(h.get("Via")).isEqualTo("1.1 fleetnet");
    }

    @Test
    void aRequestLosesTrailerWithTheTrailerFieldsTheIngressDrops() throws Exception {
        HttpHeaders h = fields("Host", "web.test", "Trailer", "X-Checksum", "Transfer-Encoding", "chunked");
        ForwardingHeaders.Client client = new ForwardingHeaders.Client(InetAddress.getByName("192.0.2.7"), 8080, "http", false);
        ForwardingHeaders.toUpstream(h, client, "web", 80, false, false, "fleetnet");
        assertThat(h.contains("Trailer")).isFalse();
        assertThat(h.get("Transfer-Encoding")).isEqualTo("chunked");
    }

    @Test
    void aResponseTrailerNamedByConnectionStillGoes() {
        HttpHeaders h = fields("Connection", "Trailer", "Trailer", "X-Checksum", "Content-Length", "3");
        ForwardingHeaders.toClient(h, false, "fleetnet");
        assertThat(h.names()).containsExactlyInAnyOrder("Content-Length", "via");
    }

    @Test
    void withoutHopByHopFieldsNothingIsRemoved() {
        HttpHeaders h = fields("Host", "web.test", "Connections", "not the Connection field", "X-Keep-Alive", "neither");
        assertThat(ForwardingHeaders.hopByHopPresent(h)).isZero();
        ForwardingHeaders.toClient(h, false, "fleetnet");
        assertThat(h.names()).containsExactlyInAnyOrder("Host", "Connections", "X-Keep-Alive", "via");
    }

    @Test
    void forwardingFieldsAnUntrustedClientForgesAreReplacedWhateverTheirCaseAndCount() throws Exception {
        HttpHeaders h = fields("Host", "web.test");
        for (String name : List.of("X-Forwarded-For", "x-forwarded-host", "X-FORWARDED-PROTO", "X-Forwarded-Port", "Forwarded",
                "X-Machine-Id")) {
            h.add(name, "forged-1");
            h.add(name.toLowerCase(), "forged-2");
        }
        h.add("VIA", "1.1 first-proxy");
        h.add("via", "1.0 second-proxy");
        assertThat(ForwardingHeaders.fieldsPresent(h) >>> 8).as("bits 8-14").isEqualTo(0x7F);
        ForwardingHeaders.Client client = new ForwardingHeaders.Client(InetAddress.getByName("192.0.2.7"), 8080, "http", false);
        ForwardingHeaders.toUpstream(h, client, "web", 80, false, false, "fleetnet");
        assertThat(h.toString()).doesNotContain("forged");
        assertThat(h.getAll("x-forwarded-for")).containsExactly("192.0.2.7");
        assertThat(h.getAll("x-forwarded-host")).containsExactly("web.test");
        assertThat(h.getAll("x-forwarded-proto")).containsExactly("http");
        assertThat(h.getAll("x-forwarded-port")).containsExactly("8080");
        assertThat(h.getAll("forwarded")).containsExactly("for=192.0.2.7;host=web.test;proto=http");
        assertThat(h.getAll("x-machine-id")).containsExactly("web");
        // Via is a list every proxy on the way extends (RFC 9110 7.6.3): both field lines stay, in order, with this hop last
        assertThat(h.getAll("via")).containsExactly("1.1 first-proxy, 1.0 second-proxy, 1.1 fleetnet");
    }

    @Test
    void withoutForwardingFieldsEachIsAddedOnceAndAnUpstreamsViaIsExtended() throws Exception {
        HttpHeaders request = fields("Host", "web.test");
        ForwardingHeaders.Client client = new ForwardingHeaders.Client(InetAddress.getByName("2001:db8::7"), 443, "https", false);
        ForwardingHeaders.toUpstream(request, client, "web", 80, true, false, "fleetnet");
        assertThat(request.getAll("x-forwarded-for")).containsExactly("2001:db8::7");
        assertThat(request.getAll("forwarded")).containsExactly("for=\"[2001:db8::7]\";host=web.test;proto=https");
        assertThat(request.getAll("via")).containsExactly("1.1 fleetnet");
        assertThat(request.getAll("host")).containsExactly("localhost:80");

        HttpHeaders response = fields("Via", "1.0 cache");
        ForwardingHeaders.toClient(response, false, "fleetnet");
        assertThat(response.getAll("via")).containsExactly("1.0 cache, 1.1 fleetnet");
    }

    /** The request's fields and then the ones the proxy sets, as the machine gets them when the head goes as bytes. */
    private static String asSent(HttpHeaders h, ForwardingHeaders.Added added) {
        io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer();
        added.writeTo(out);
        String fields = out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        out.release();
        return h.toString() + "|" + fields;
    }

    @Test
    void aConnectionsNextRequestGetsItsOwnFieldsWhateverTheLastOneSentOrReached() throws Exception {
        ForwardingHeaders.Client client = new ForwardingHeaders.Client(InetAddress.getByName("192.0.2.7"), 8080, "http", false);
        ForwardingHeaders.Added first = ForwardingHeaders.forUpstream(fields("Host", "web.test"), client, "web", 80, false, false, "fleetnet");
        String firstSent = asSent(new DefaultHttpHeaders(), first);
        assertThat(firstSent).contains("x-forwarded-for: 192.0.2.7\r\n", "x-forwarded-host: web.test\r\n",
                "forwarded: for=192.0.2.7;host=web.test;proto=http\r\n", "x-machine-id: web\r\n", "via: 1.1 fleetnet\r\n");
        // the same Host to the same machine: the same fields, made once
        assertThat(ForwardingHeaders.forUpstream(fields("Host", "web.test"), client, "web", 80, false, false, "fleetnet"))
                .isSameAs(first);
        // another Host, another machine, another proxy name: each its own
        assertThat(asSent(new DefaultHttpHeaders(),
                ForwardingHeaders.forUpstream(fields("Host", "api.test"), client, "web", 80, false, false, "fleetnet")))
                .contains("x-forwarded-host: api.test\r\n", "host=api.test;").doesNotContain("web.test");
        assertThat(asSent(new DefaultHttpHeaders(),
                ForwardingHeaders.forUpstream(fields("Host", "api.test"), client, "db", 80, false, false, "fleetnet")))
                .contains("x-machine-id: db\r\n").doesNotContain("x-machine-id: web");
        assertThat(asSent(new DefaultHttpHeaders(),
                ForwardingHeaders.forUpstream(fields("Host", "api.test"), client, "db", 80, false, false, "edge-2")))
                .contains("via: 1.1 edge-2\r\n").doesNotContain("fleetnet");
        // a request with a Via of its own extends it, and the next one without goes back to the proxy's alone
        HttpHeaders viaRequest = fields("Host", "api.test", "Via", "1.0 cache");
        ForwardingHeaders.Added withVia = ForwardingHeaders.forUpstream(viaRequest, client, "db", 80, false, false, "edge-2");
        assertThat(asSent(viaRequest, withVia)).contains("via: 1.0 cache, 1.1 edge-2\r\n").doesNotContain("Via: 1.0"); // the client's own line goes: it is in the one the proxy sets
        assertThat(asSent(new DefaultHttpHeaders(),
                ForwardingHeaders.forUpstream(fields("Host", "api.test"), client, "db", 80, false, false, "edge-2")))
                .contains("via: 1.1 edge-2\r\n").doesNotContain("cache");
    }

    @Test
    void aTrustedProxysOwnValuesNeverCarryOverToTheConnectionsNextRequest() throws Exception {
        ForwardingHeaders.Client proxy = new ForwardingHeaders.Client(InetAddress.getByName("10.1.2.3"), 80, "http", true);
        ForwardingHeaders.forUpstream(fields("Host", "web.test"), proxy, "web", 80, false, false, "fleetnet"); // remembered
        HttpHeaders relayed = fields("Host", "web.test", "X-Forwarded-For", "203.0.113.9");
        String sent = asSent(relayed, ForwardingHeaders.forUpstream(relayed, proxy, "web", 80, false, false, "fleetnet"));
        assertThat(sent).contains("x-forwarded-for: 203.0.113.9, 10.1.2.3\r\n");
        String next = asSent(new DefaultHttpHeaders(),
                ForwardingHeaders.forUpstream(fields("Host", "web.test"), proxy, "web", 80, false, false, "fleetnet"));
        assertThat(next).contains("x-forwarded-for: 10.1.2.3\r\n").doesNotContain("203.0.113.9");
    }

    private static final List<String> CLIENT_CLAIMS = List.of("X-Real-IP", "True-Client-IP", "X-Client-IP", "CF-Connecting-IP",
            "X-Cluster-Client-IP", "Fastly-Client-IP", "X-Original-Forwarded-For", "X-Forwarded-Server", "X-Forwarded-Prefix",
            "X-Original-URL", "X-Rewrite-URL");
    private static final List<String> UNDERSCORED = List.of("X_Forwarded_For", "x_forwarded_host", "X_FORWARDED_PROTO",
            "X-Forwarded_Port", "X_Machine_ID", "X_Real_IP", "true_client_ip", "CF_Connecting_IP", "X_Original_URL");

    @Test
    void clientClaimsAndUnderscoreSpellingsOfAnUntrustedClientGo() throws Exception {
        HttpHeaders h = fields("Host", "web.test", "X-Kept", "yes", "X_Other_Underscored", "kept", "Keep_Alive", "kept too");
        CLIENT_CLAIMS.forEach(name -> h.add(name, "forged"));
        UNDERSCORED.forEach(name -> h.add(name, "forged"));
        ForwardingHeaders.Client client = new ForwardingHeaders.Client(InetAddress.getByName("192.0.2.7"), 8080, "http", false);
        ForwardingHeaders.toUpstream(h, client, "web", 80, false, false, "fleetnet");
        assertThat(h.toString()).doesNotContain("forged");
        assertThat(h.get("X-Kept")).isEqualTo("yes");
        assertThat(h.get("X_Other_Underscored")).as("not a look-alike of a field the proxy sets").isEqualTo("kept");
        assertThat(h.get("Keep_Alive")).as("a hop-by-hop name's spelling is no forwarding field").isEqualTo("kept too");
        assertThat(h.getAll("x-forwarded-for")).containsExactly("192.0.2.7");
    }

    @Test
    void aTrustedProxysClientClaimsStayButUnderscoreSpellingsStillGo() throws Exception {
        HttpHeaders h = fields("Host", "web.test");
        CLIENT_CLAIMS.forEach(name -> h.add(name, "from-the-proxy"));
        UNDERSCORED.forEach(name -> h.add(name, "forged"));
        ForwardingHeaders.Client proxy = new ForwardingHeaders.Client(InetAddress.getByName("10.1.2.3"), 80, "http", true);
        ForwardingHeaders.toUpstream(h, proxy, "web", 80, false, false, "fleetnet");
        for (String name : CLIENT_CLAIMS) {
            assertThat(h.getAll(name)).as(name).containsExactly("from-the-proxy");
        }
        assertThat(h.toString()).doesNotContain("forged");
    }

    @Test
    void theBitsOfClientClaimsAndUnderscoreSpellingsFollowTheOthers() {
        assertThat(ForwardingHeaders.fieldsPresent(fields("x-real-ip", "1"))).isEqualTo(1 << 15);
        assertThat(ForwardingHeaders.fieldsPresent(fields("X-Rewrite-URL", "1"))).isEqualTo(1 << 25);
        assertThat(ForwardingHeaders.fieldsPresent(fields("X_Forwarded_For", "1"))).isEqualTo(1 << 26);
        assertThat(ForwardingHeaders.fieldsPresent(fields("X_Forwarded-For", "1", "X-Forwarded-For", "2"))).isEqualTo(1 << 26 | 1 << 8);
        assertThat(ForwardingHeaders.fieldsPresent(fields("X_Forwarded_Fox", "1", "Keep_Alive", "2"))).isZero();
    }

    @Test
    void aQuotedForwardedValueCannotEndItsQuotedString() {
        assertThat(ForwardingHeaders.quoteIfNeeded("web.test")).isEqualTo("web.test");
        assertThat(ForwardingHeaders.quoteIfNeeded("web.test:8080")).isEqualTo("\"web.test:8080\"");
        assertThat(ForwardingHeaders.quoteIfNeeded("a:1\\")).isEqualTo("\"a:1\\\\\"");
        assertThat(ForwardingHeaders.quoteIfNeeded("a\"b;proto=https")).isEqualTo("\"a\\\"b;proto=https\"");
    }
}

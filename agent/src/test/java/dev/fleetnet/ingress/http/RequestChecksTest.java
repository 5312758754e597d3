package dev.fleetnet.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestChecksTest {
    /** RFC 9110 7.2's uri-host [":" port] as the grammar reads (the ingress's IP literals: hex, ':' and '.'). */
    private static final Pattern GRAMMAR = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{0,5})?");

    @Test
    void hostFieldsTheGrammarAllows() {
        for (String ok : List.of("example.com", "example.com:8080", "EXAMPLE.com:", "[fd00::1]", "[fd00::1]:443", "127.0.0.1:1",
                "a-b_c~d%41", "x:65535", "x:99999")) {
            assertTrue(RequestChecks.isUriHost(ok), ok);
        }
    }

    @Test
    void hostFieldsTheGrammarRefuses() {
        for (String bad : List.of("", ":80", "user@example.com", "example.com:123456", "example.com:80:80", "[]", "[fd00::1",
                "[fd00::g]", "[fd00::1]x", "exa mple.com", "example.com/", "ex\u00e9mple.com", "[fd00::1]:8a", "a]")) {
            assertFalse(RequestChecks.isUriHost(bad), bad);
        }
    }

    @Test
    void agreesWithTheGrammarOnRandomFields() {
        Random random = new Random(7);
        String alphabet = "aZ09.-_~!$&'()*+,;=%:[]@/ \u00e9fF";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(9);
            for (int j = 0; j < length; j++) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String field = value.toString();
            assertEquals(GRAMMAR.matcher(field).matches(), RequestChecks.isUriHost(field), "Host: '" + field + "'");
        }
    }

    /** Host: web.test and then fields from name, value, name, value, ... */
    private static HttpHeaders fields(String... namesAndValues) {
        HttpHeaders h = new DefaultHttpHeaders(false).add("Host", "web.test");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return h;
    }

    private static RequestChecks.Verdict check(String method, String target, String... namesAndValues) {
        return RequestChecks.check(HttpMethod.valueOf(method), target, HttpVersion.HTTP_1_1, fields(namesAndValues));
    }

    private static int status(RequestChecks.Verdict verdict) {
        return verdict instanceof RequestChecks.Refuse refuse ? refuse.status() : verdict instanceof RequestChecks.Accept ? 0 : 200;
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # target (escapes: \\0 NUL, \\t TAB)  | expected (0: forwarded)
            /a                                       | 0
            '/a|b{c}d^e[f]g"h<i>j\\k`l~m?q=1|2'     | 0
            /a#frag                                  | 400
            /#                                       | 400
            http://web.test/a#frag                   | 400
            /a b                                     | 400
            /a\\0b                                  | 400
            /a\\tb                                  | 400
            /a\u007fb                               | 400
            /a\u0080b                               | 400
            /a\u00e9b                               | 400
            /a\u00ffb                               | 400
            /a\u001bb                               | 400
            """)
    void aTargetIsVisibleAsciiWithoutAFragment(String target, int expected) {
        String unescaped = target.replace("\\0", "\0").replace("\\t", "\t");
        RequestChecks.Verdict verdict = check("GET", unescaped);
        assertEquals(expected, status(verdict), "GET " + target + ": " + verdict);
    }

    @Test
    void anAbsoluteFormAuthorityIsAHostFieldsSyntax() {
        assertEquals(new RequestChecks.Accept("web.test:8080", "/p?q", false), check("GET", "http://web.test:8080/p?q"));
        assertEquals(new RequestChecks.Accept("[fd00::1]", "/", false), check("GET", "https://[fd00::1]"));
        for (String authority : List.of("web.test:1,evil.test", "web.test:\\evil.test", "web.test:1\\", "web.test:80:99",
                "web.test:abc", "web.test:\"x\"", "u@web.test", "", ":80", "web.test:123456")) {
            RequestChecks.Verdict verdict = check("GET", "http://" + authority + "/p");
            assertEquals(400, status(verdict), authority + ": " + verdict);
        }
    }

    @ParameterizedTest(name = "[{index}] Content-Length: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            3          | 0
            0          | 0
            3, 3       | 400
            0, 45      | 400
            +3         | 400
            ''         | 400
            3 3        | 400
            0x3        | 400
            9999999999999999999 | 400
            """)
    void aContentLengthIsOneDecimal(String value, int expected) {
        assertEquals(expected, status(check("POST", "/", "Content-Length", value)), "Content-Length: " + value);
    }

    @Test
    void twoContentLengthFieldsAreRefusedEvenWhenEqual() {
        RequestChecks.Verdict verdict = RequestChecks.check(HttpMethod.POST, "/", HttpVersion.HTTP_1_0,
                fields("Content-Length", "0", "Content-Length", "45"));
        assertEquals(new RequestChecks.Refuse(400, "Content-Length: 0, 45 (expected: one field of one decimal length)"), verdict);
        assertEquals(400, status(check("POST", "/", "Content-Length", "2", "Content-Length", "2")));
    }

    @ParameterizedTest(name = "[{index}] Transfer-Encoding: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            chunked           | 0
            chunked,          | 0
            ',chunked'        | 0
            ' , Chunked ,, '  | 0
            ''                | 400
            ','               | 400
            chunked, chunked  | 400
            chunked, identity | 400
            gzip, chunked     | 501
            ',gzip,,chunked,' | 501
            """)
    void transferCodingsAreOneListWhoseEmptyMembersDoNotCount(String value, int expected) {
        assertEquals(expected, status(check("POST", "/", "Transfer-Encoding", value)), "Transfer-Encoding: " + value);
    }

    @Test
    void aTransferCodingListSpreadOverFieldsIsOneList() {
        assertEquals(0, status(check("POST", "/", "Transfer-Encoding", "chunked", "Transfer-Encoding", "")));
        assertEquals(400, status(check("POST", "/", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked")));
    }

    @Test
    void optionsWithMaxForwardsIsAnsweredAtZeroAndCountedDownAbove() {
        assertEquals(new RequestChecks.AboutServer(), check("OPTIONS", "/a", "Max-Forwards", "0"));
        assertEquals(new RequestChecks.AboutServer(), check("OPTIONS", "/a", "Max-Forwards", " 00 "));
        assertEquals(new RequestChecks.Accept("web.test", "/a", false, 4), check("OPTIONS", "/a", "Max-Forwards", "5"));
        assertEquals(new RequestChecks.Accept("web.test", "/a", false, -1), check("OPTIONS", "/a"));
        assertEquals(new RequestChecks.Accept("web.test", "/a", false, -1), check("GET", "/a", "Max-Forwards", "0"));
        for (String bad : List.of("-1", "x", "1, 2", "", "1234567890123456789")) {
            assertEquals(400, status(check("OPTIONS", "/a", "Max-Forwards", bad)), "Max-Forwards: " + bad);
        }
        assertEquals(400, status(check("OPTIONS", "/a", "Max-Forwards", "1", "Max-Forwards", "1")));
    }

    @Test
    void traceIsRefusedWithTheMethodsThereAre() {
        assertEquals(new RequestChecks.Refuse(405, "method TRACE is not supported (expected: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)"),
                check("TRACE", "/", "Max-Forwards", "0"));
    }
}

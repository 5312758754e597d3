package dev.fleetnet.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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
}

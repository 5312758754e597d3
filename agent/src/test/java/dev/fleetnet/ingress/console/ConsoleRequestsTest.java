package dev.fleetnet.ingress.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsoleRequestsTest {
    private static final Set<String> FILES = Set.of("index.html", "console.js", "xterm.mjs");
    private static final String TOKEN = "A".repeat(43);

    private static ConsoleRequests.Decision page(String method, String target) {
        return ConsoleRequests.decide(new ConsoleRequests.Head(method, target, "console.fleet.internal", "console.fleet.internal",
                "https", null, null, null), FILES);
    }

    private static ConsoleRequests.Decision upgrade(String target, String hostHeader, String origin, String protocols) {
        return ConsoleRequests.decide(new ConsoleRequests.Head("GET", target, "console.fleet.internal", hostHeader, "https",
                "websocket", origin, protocols), FILES);
    }

    @ParameterizedTest
    @CsvSource({"GET, /, index.html, false", "HEAD, /, index.html, true", "GET, /console.js, console.js, false",
            "GET, /xterm.mjs?v=1, xterm.mjs, false"})
    void thePageAndItsFiles(String method, String target, String name, boolean head) {
        assertThat(page(method, target)).isEqualTo(new ConsoleRequests.Serve(name, head));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "GET|/etc/passwd|404|no console file /etc/passwd (expected: / or one of the page's files)",
            "GET|/../index.html|404|no console file /../index.html",
            "POST|/|405|method POST on the console page (expected: GET or HEAD)",
            "POST|/session|400|the console session is a WebSocket (expected: GET with Upgrade: websocket, got POST without Upgrade)",
            "GET|/session|400|got GET without Upgrade"})
    void refusals(String method, String target, int status, String reason) {
        assertThat(page(method, target)).isInstanceOfSatisfying(ConsoleRequests.Refuse.class, r -> {
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.reason()).contains(reason);
        });
    }

    @Test
    void cleartextGoesToHttpsWithoutThePort() {
        assertThat(ConsoleRequests.decide(new ConsoleRequests.Head("GET", "/session?x=1", "console.fleet.internal",
                "console.fleet.internal:8080", "http", null, null, null), FILES))
                .isEqualTo(new ConsoleRequests.Redirect("https://console.fleet.internal/session?x=1"));
    }

    @Test
    void anUpgradeFromTheConsolesOwnOriginCarriesItsTokenAndSize() {
        assertThat(upgrade("/session?cols=120&rows=40", "console.fleet.internal", "https://console.fleet.internal",
                ConsoleRequests.PROTOCOL + ", " + TOKEN)).isEqualTo(new ConsoleRequests.Upgrade(TOKEN, 120, 40));
        assertThat(upgrade("/session", "Console.Fleet.Internal:8443", "https://console.fleet.internal:8443",
                TOKEN + "," + ConsoleRequests.PROTOCOL)).as("any order, any case of the host")
                .isEqualTo(new ConsoleRequests.Upgrade(TOKEN, 80, 24));
        assertThat(upgrade("/session?cols=0&rows=99999", "console.fleet.internal", "https://console.fleet.internal",
                ConsoleRequests.PROTOCOL + "," + TOKEN)).as("sizes out of range fall back").isEqualTo(new ConsoleRequests.Upgrade(TOKEN, 80, 24));
        assertThat(upgrade("/session", "console.fleet.internal", "https://console.fleet.internal", ConsoleRequests.PROTOCOL + "," + TOKEN)
                .toString()).doesNotContain(TOKEN);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "https://evil.example|origin: 'https://evil.example' (expected: https://console.fleet.internal, the console page's own)",
            "null|origin: none (expected: https://console.fleet.internal",
            "http://console.fleet.internal|origin: 'http://console.fleet.internal'",
            "https://console.fleet.internal:444|origin: 'https://console.fleet.internal:444'",
            "https://web.fleet.internal|origin: 'https://web.fleet.internal'"})
    void anotherOriginIsRefused(String origin, String reason) {
        assertThat(upgrade("/session", "console.fleet.internal", origin, ConsoleRequests.PROTOCOL + ", " + TOKEN))
                .isInstanceOfSatisfying(ConsoleRequests.Refuse.class, r -> {
                    assertThat(r.status()).isEqualTo(403);
                    assertThat(r.reason()).startsWith(reason).contains("(expected: https://console.fleet.internal, the console page's own)");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {"null", TOKEN_ONLY, "fleetnet.console.v1", "chat, other"})
    void anUpgradeWithoutOurProtocolAndATokenIsRefused(String protocols) {
        assertThat(upgrade("/session", "console.fleet.internal", "https://console.fleet.internal", protocols))
                .isInstanceOfSatisfying(ConsoleRequests.Refuse.class, r -> {
                    assertThat(r.status()).isEqualTo(400);
                    assertThat(r.reason()).startsWith("Sec-WebSocket-Protocol: ").contains("expected: 'fleetnet.console.v1, TOKEN'");
                });
    }

    private static final String TOKEN_ONLY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
}

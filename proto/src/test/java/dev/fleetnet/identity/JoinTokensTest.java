package dev.fleetnet.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JoinTokensTest {

    @Test
    void aTokenIsAnIdAndA256BitSecretAndReadsBackWhole() {
        JoinTokens.Token token = JoinTokens.generate();
        assertThat(token.id()).matches("[0-9a-f]{8}");
        assertThat(token.text()).matches("fnj\\.[0-9a-f]{8}\\.[A-Za-z0-9_-]{43}").hasSize(56);
        assertThat(JoinTokens.parse("  " + token.text() + "\n")).isEqualTo(token);
        assertThat(JoinTokens.generate().secret()).isNotEqualTo(token.secret());
        assertThat(token.toString()).as("never the secret in a log line").isEqualTo("join token " + token.id())
                .doesNotContain(token.secret());
    }

    @Test
    void theSecretIsStoredAsItsSha256() throws Exception {
        JoinTokens.Token token = JoinTokens.generate();
        assertThat(token.secretSha256()).hasSize(32)
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(token.secret().getBytes(StandardCharsets.US_ASCII)));
        assertThat(JoinTokens.sha256(token.secret())).isEqualTo(token.secretSha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "let-me-in", "fnj.0123abcd.short", "fnj.0123ABCD.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "xyz.0123abcd.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "fnj.0123abcd.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    void aMalformedTokenIsRefusedWithoutRepeatingIt(String text) {
        assertThatThrownBy(() -> JoinTokens.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("join token: malformed (" + text.length() + " characters; expected: fnj.ID.SECRET as"
                        + " `fleetnet host token create` prints it, 56 characters)");
    }

    @Test
    void anIdIsEightHexDigits() {
        assertThat(JoinTokens.checkId("0123abcd")).isEqualTo("0123abcd");
        assertThatThrownBy(() -> JoinTokens.checkId("01234")).hasMessage("token id: '01234' (expected: 8 hex digits, as"
                + " `fleetnet host token list` shows)");
    }
}

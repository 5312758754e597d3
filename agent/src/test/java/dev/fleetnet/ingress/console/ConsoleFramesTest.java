package dev.fleetnet.ingress.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsoleFramesTest {
    @Test
    void aResize() {
        assertThat(ConsoleFrames.control("{\"type\":\"resize\",\"cols\":111,\"rows\":33}")).isEqualTo(new ConsoleFrames.Resize(111, 33));
        assertThat(ConsoleFrames.control(" {\"rows\": 1, \"cols\": 1000, \"type\": \"resize\", \"extra\": true} "))
                .isEqualTo(new ConsoleFrames.Resize(1000, 1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json at all|control message: 'not json at all' is not JSON (expected: a JSON object)",
            "[1,2]|control message: '[1,2]' (expected: a JSON object)",
            "{\"type\":\"paste\"}|control message type: 'paste' (expected: resize)",
            "{\"cols\":1,\"rows\":1}|control message type: none (expected: resize)",
            "{\"type\":\"resize\",\"cols\":0,\"rows\":24}|cols: 0 (expected: 1..1000)",
            "{\"type\":\"resize\",\"cols\":80,\"rows\":1001}|rows: 1001 (expected: 1..1000)",
            "{\"type\":\"resize\",\"cols\":80}|rows: missing (expected: a number of cells)",
            "{\"type\":\"resize\",\"cols\":\"80\",\"rows\":24}|cols: \"80\" (expected: a number of cells)",
            "{\"type\":\"resize\",\"cols\":80.5,\"rows\":24}|cols: 80.5 (expected: a whole number of cells)",
            "{\"type\":\"resize\",\"cols\":1e12,\"rows\":24}|cols: 1e12 (expected: a whole number of cells)"})
    void whatIsRefusedSaysWhatWasExpected(String text, String message) {
        assertThatThrownBy(() -> ConsoleFrames.control(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void aCloseReasonFitsItsFrameWithoutSplittingACharacter() {
        assertThat(ConsoleFrames.closeReason("fleetnet: machine 'web' stopped")).isEqualTo("fleetnet: machine 'web' stopped");
        String wide = "\u2713".repeat(60); // 3 bytes each
        String cut = ConsoleFrames.closeReason(wide);
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(cut).endsWith("...").startsWith("\u2713".repeat(40)).doesNotContain("\ufffd");
        String exact = "x".repeat(123);
        assertThat(ConsoleFrames.closeReason(exact)).isEqualTo(exact);
        assertThat(ConsoleFrames.closeReason(exact + "y")).hasSize(123).endsWith("...");
    }

    @Test
    void terminalLinesStandApart() {
        assertThat(new String(ConsoleFrames.terminalLine("fleetnet: bye \u2713"), StandardCharsets.UTF_8)).isEqualTo("\r\nfleetnet: bye \u2713\r\n");
        assertThat(ConsoleFrames.exitLine(3)).isEqualTo("\r\nfleetnet: session ended, exit status 3\r\n");
    }
}

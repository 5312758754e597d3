package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.acme.AcmeConfig;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The --acme-* flags: off by default, defaults when on, errors that name the flag and the value. */
class ControllerMainAcmeTest {
    private static AcmeConfig parse(String... args) {
        ControllerMain main = new ControllerMain();
        new CommandLine(main).parseArgs(args);
        return main.acme();
    }

    @Test
    void offWithoutADirectory() {
        assertThat(parse()).isNull();
    }

    @Test
    void defaultsAndFlags() {
        AcmeConfig defaults = parse("--acme-directory", "https://acme.example/dir");
        assertThat(defaults.directory()).isEqualTo(URI.create("https://acme.example/dir"));
        assertThat(defaults.email()).isNull();
        assertThat(defaults.trustedRoots()).isEmpty();
        assertThat(defaults.renewBefore()).isEqualTo(Duration.ofDays(30));
        assertThat(defaults.checkInterval()).isEqualTo(Duration.ofHours(1));
        AcmeConfig set = parse("--acme-directory", "https://acme.example/dir", "--acme-email", "ops@example.com",
                "--acme-renew-before", "20d", "--acme-check-interval", "90s");
        assertThat(set.email()).isEqualTo("ops@example.com");
        assertThat(set.renewBefore()).isEqualTo(Duration.ofDays(20));
        assertThat(set.checkInterval()).isEqualTo(Duration.ofSeconds(90));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--acme-directory=ftp://x/dir         | --acme-check-interval=1h | --acme-directory: 'ftp://x/dir' (expected: an https:// URL of an ACME directory)",
        "--acme-directory=https://x/dir       | --acme-check-interval=1w | --acme-check-interval: '1w' (expected: a number and s, m, h or d, e.g. 30d or 1h)",
        "--acme-directory=https://x/dir       | --acme-renew-before=0d   | --acme-renew-before: PT0S (expected: a positive duration)",
        "--acme-directory=https://x/dir       | --acme-email=nobody      | --acme-email: 'nobody' (expected: an e-mail address)",
        "--acme-directory=https://x/dir       | --acme-ca-file=/nonexistent/ca.pem | --acme-ca-file: /nonexistent/ca.pem: ",
        "--acme-email=ops@example.com         | --acme-check-interval=1h | --acme-email/--acme-ca-file without --acme-directory",
    })
    void badFlagsAreNamed(String first, String second, String message) {
        assertThatThrownBy(() -> parse(first, second)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}

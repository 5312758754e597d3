package dev.fleetnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JvmOptionsTest {
    @Test
    void readsOptionsOneOrSeveralPerLineAndSkipsComments() {
        assertThat(JvmOptions.parse("# a comment\n-Xmx128m\n\n  # indented comment\n-XX:+UseSerialGC  -Dx=y\n"))
                .containsExactly("-Xmx128m", "-XX:+UseSerialGC", "-Dx=y");
    }

    @Test
    void refusesWhatIsNotAnOptionNamingIt() {
        assertThatThrownBy(() -> JvmOptions.parse("-Xmx128m\nXX:+UseSerialGC\n"))
                .hasMessageContaining("'XX:+UseSerialGC'").hasMessageContaining("expected: options starting with '-'");
    }

    @Test
    void theAgentsFileInThisRepositoryGivesTheLabsAgentsTheirHeapCollectorAndNativeAccess() {
        Path home = Path.of("..").toAbsolutePath().normalize(); // the controller module's tests run in controller/
        assertThat(JvmOptions.agent(home)).contains("-Xmx128m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow");
    }

    @Test
    void aMissingFileSaysWhichAndWhatWasExpected() {
        assertThatThrownBy(() -> JvmOptions.agent(Path.of("/nonexistent-fleetnet-home")))
                .hasMessageContaining("/nonexistent-fleetnet-home/agent/jvm-options").hasMessageContaining("expected:");
    }
}

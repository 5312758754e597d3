package dev.fleetnet.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.identity.JoinTokens;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A join token comes from a file, standard input or the environment: never from an argument. */
class JoinTokenSourceTest {
    private static final JoinTokens.Token TOKEN = JoinTokens.generate();
    private static final InputStream NO_INPUT = new ByteArrayInputStream(new byte[0]);
    @TempDir
    Path dir;

    @Test
    void fromAFileStandardInputOrTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), TOKEN.text() + "\n");
        assertThat(JoinTokenSource.read(file.toString(), null, NO_INPUT)).isEqualTo(TOKEN);
        assertThat(JoinTokenSource.read("-", null, new ByteArrayInputStream((TOKEN.text() + "\n").getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo(TOKEN);
        assertThat(JoinTokenSource.read(null, TOKEN.text(), NO_INPUT)).isEqualTo(TOKEN);
        assertThat(JoinTokenSource.read(null, null, NO_INPUT)).as("none: the host must have its certificate").isNull();
        assertThat(JoinTokenSource.read(null, " ", NO_INPUT)).isNull();
    }

    @Test
    void twoSourcesOrABadOneAreRefusedWithoutRepeatingTheToken() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), TOKEN.text());
        assertThatThrownBy(() -> JoinTokenSource.read(file.toString(), TOKEN.text(), NO_INPUT))
                .hasMessage("join token: both --join-token-file and $FLEETNET_JOIN_TOKEN given (expected: one)");
        assertThatThrownBy(() -> JoinTokenSource.read(null, TOKEN.text() + "x", NO_INPUT))
                .hasMessage("$FLEETNET_JOIN_TOKEN: join token: malformed (57 characters; expected: fnj.ID.SECRET as"
                        + " `fleetnet host token create` prints it, 56 characters)");
        assertThatThrownBy(() -> JoinTokenSource.read("-", null, NO_INPUT))
                .hasMessageStartingWith("--join-token-file '-': join token: malformed (0 characters;");
    }
}

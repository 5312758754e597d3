package dev.fleetnet.agent.identity;

import dev.fleetnet.identity.JoinTokens;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an agent's join token comes from: a file ({@code --join-token-file FILE}), standard input
 * ({@code --join-token-file -}) or the environment ({@code FLEETNET_JOIN_TOKEN}); never a
 * command-line argument, which every user of the machine sees in {@code ps}.
 */
public final class JoinTokenSource {
    public static final String ENVIRONMENT = "FLEETNET_JOIN_TOKEN";

    private JoinTokenSource() {}

    /** The token, or null when neither {@code file} nor {@code environment} gives one. */
    public static JoinTokens.Token read(String file, String environment, InputStream stdin) {
        if (file != null && environment != null && !environment.isBlank()) {
            throw new IllegalArgumentException("join token: both --join-token-file and $" + ENVIRONMENT + " given (expected: one)");
        }
        if (file == null) {
            return environment == null || environment.isBlank() ? null : parse("$" + ENVIRONMENT, environment);
        }
        String text;
        try {
            text = file.equals("-") ? new String(stdin.readNBytes(4096), StandardCharsets.US_ASCII)
                    : Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--join-token-file: '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + ") (expected: a readable file holding the join token, or - for standard input)");
        }
        return parse("--join-token-file '" + file + "'", text);
    }

    private static JoinTokens.Token parse(String source, String text) {
        try {
            return JoinTokens.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage());
        }
    }
}

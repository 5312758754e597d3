package dev.fleetnet.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The join token shared by controller and agents, from {@code --join-token} or {@code --join-token-file}. */
public final class JoinTokens {
    private JoinTokens() {}

    /** Exactly one of {@code token} and {@code file} (either may be null); the file's content is stripped. */
    public static byte[] read(String token, Path file) throws IOException {
        if (token != null && file != null) {
            throw new IllegalArgumentException("--join-token and --join-token-file: both given (expected: one)");
        }
        String value = file != null ? Files.readString(file).strip() : token;
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("join token: missing (expected: --join-token TOKEN or --join-token-file FILE)");
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }
}

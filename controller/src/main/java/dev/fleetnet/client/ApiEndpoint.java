package dev.fleetnet.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the controller's API is and how to call it: {@code host:port}, the CA its certificate is
 * checked against (PEM; null: the JVM's trusted roots) and the bearer token (null: calls go without
 * one and are refused UNAUTHENTICATED). Never printed with its token.
 */
public record ApiEndpoint(String target, String caPem, String token) {
    public ApiEndpoint {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("controller address: empty (expected: HOST:PORT, e.g. 127.0.0.1:7400)");
        }
    }

    /** Reads the CA and the token from their files (either may be null). */
    public static ApiEndpoint of(String target, Path caFile, Path tokenFile) {
        return new ApiEndpoint(target, caFile == null ? null : read("CA file", caFile), tokenFile == null ? null : readToken(tokenFile));
    }

    /** A token file's text, stripped; IllegalArgumentException naming the file when it cannot be read or is empty. */
    public static String readToken(Path file) {
        String token = read("token file", file).strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("token file: '" + file + "' is empty (expected: an API token, e.g. from `fleetnet token create`)");
        }
        return token;
    }

    static String read(String what, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    @Override
    public String toString() {
        return "ApiEndpoint[" + target + ", ca=" + (caPem == null ? "system roots" : "given") + ", token=" + (token == null ? "none" : "(set)") + "]";
    }
}

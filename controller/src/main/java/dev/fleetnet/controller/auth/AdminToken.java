package dev.fleetnet.controller.auth;

import dev.fleetnet.core.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin token of a fleet: created by the first controller that starts on its etcd and
 * written, owner-only, to a file before it is stored, so there is never a token nobody can read.
 */
public final class AdminToken {
    private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

    private AdminToken() {}

    /** The file the admin token was just written to, or empty when the fleet already had its first token. */
    public static Optional<Path> bootstrap(ApiTokenStore tokens, Path file) {
        boolean[] written = {false};
        Optional<ApiTokenStore.Created> created = tokens.bootstrapAdmin(candidate -> {
            try {
                DurableFiles.write(file, (candidate.secret() + "\n").getBytes(StandardCharsets.US_ASCII), DurableFiles.OWNER_ONLY);
                written[0] = true;
            } catch (IOException e) {
                throw new UncheckedIOException("--admin-token-file: cannot write " + file + " (" + e
                        + ") (expected: a writable path for the first admin API token)", e);
            }
        });
        if (created.isEmpty()) {
            if (written[0]) { // another controller created the fleet's first token meanwhile: this one does not exist
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.warn("could not remove {}, which holds a token that was never stored: {}", file, e.toString());
                }
            }
            return Optional.empty();
        }
        log.info("first admin API token '{}' created and written to {} (owner-only)", ApiTokenStore.ADMIN, file);
        return Optional.of(file);
    }
}

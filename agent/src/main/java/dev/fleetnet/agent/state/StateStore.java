package dev.fleetnet.agent.state;

import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.core.DurableFiles;
import dev.fleetnet.proto.v1.HostView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What the agent keeps on disk: its WireGuard private key (0600, made once) and the last view it
 * applied (0600: a view carries certificate keys), both written durably (see {@link DurableFiles}),
 * so it can restore forwarding with no controller. The view is saved in a {@link ViewEnvelope}
 * naming this host; a file that is not whole, not this host's, or of the old unchecked format is
 * moved aside and never applied.
 */
public final class StateStore {
    static final String VIEW_FILE = "view.pb";
    private static final DateTimeFormatter SET_ASIDE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    private final Path dir;
    private final String hostName;
    private final Clock clock;

    /** The state of host {@code hostName}, kept in {@code dir}. */
    public StateStore(Path dir, String hostName) {
        this(dir, hostName, Clock.systemUTC());
    }

    StateStore(Path dir, String hostName, Clock clock) {
        this.dir = dir;
        this.hostName = hostName;
        this.clock = clock;
    }

    public Path dir() {
        return dir;
    }

    /** The key from {@code private.key}, creating it on first use. */
    public WireGuardKey key() throws IOException {
        Path file = dir.resolve("private.key");
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                return WireGuardKey.fromBase64Private(Files.readString(file));
            }
            WireGuardKey key = WireGuardKey.generate();
            DurableFiles.write(file, (key.privateBase64() + "\n").getBytes(StandardCharsets.US_ASCII), DurableFiles.OWNER_ONLY);
            return key;
        } catch (IOException e) {
            throw new IOException("state directory " + dir + ": cannot read or create " + file.getFileName() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "; expected: a directory this agent can write)", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The saved view if it can be trusted. A file that cannot is renamed to
     * {@code view.pb.<reason>-<UTC time>} before this returns, so it is never read again and stays
     * for the operator to look at.
     */
    public SavedView lastView() throws IOException {
        Path file = dir.resolve(VIEW_FILE);
        if (!Files.exists(file)) {
            return new SavedView.Absent(file);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "; expected: a file this agent can read)", e);
        }
        return switch (ViewEnvelope.open(bytes, hostName)) {
            case ViewEnvelope.Whole whole -> new SavedView.Trusted(file, whole.view());
            case ViewEnvelope.Rejected rejected -> new SavedView.SetAside(file, rejected, setAside(file, rejected.kind()));
        };
    }

    public void saveView(HostView view) throws IOException {
        DurableFiles.write(dir.resolve(VIEW_FILE), ViewEnvelope.seal(hostName, view), DurableFiles.OWNER_ONLY);
    }

    private Path setAside(Path file, ViewEnvelope.Kind kind) throws IOException {
        String base = file.getFileName() + "." + kind.setAsideAs() + "-" + SET_ASIDE_TIME.format(clock.instant());
        Path target = dir.resolve(base);
        for (int n = 2; Files.exists(target); n++) {
            target = dir.resolve(base + "-" + n);
        }
        try {
            DurableFiles.move(file, target);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be moved aside to " + target + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "; expected: a state directory this agent can write)", e);
        }
        return target;
    }
}

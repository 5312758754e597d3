package dev.fleetnet.agent.state;

import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.proto.v1.HostView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What the agent keeps on disk: its WireGuard private key (0600, made once) and the last view
 * it applied, written atomically, so it can restore forwarding with no controller.
 */
public final class StateStore {
    private final Path dir;

    public StateStore(Path dir) {
        this.dir = dir;
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
            Path tmp = dir.resolve("private.key.tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, key.privateBase64() + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return key;
        } catch (IOException e) {
            throw new IOException("state directory " + dir + ": cannot read or create " + file.getFileName() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "; expected: a directory this agent can write)", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public Optional<HostView> lastView() throws IOException {
        Path file = dir.resolve("view.pb");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostView.parseFrom(Files.readAllBytes(file)));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException(file + ": not a HostView (" + e.getMessage() + "); expected: the view this agent saved, or no file");
        }
    }

    public void saveView(HostView view) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("view.pb.tmp");
        Files.deleteIfExists(tmp); // a leftover of a crash may have other permissions
        // owner-only from its first byte: a view carries the private keys of the ingress certificates
        try (FileChannel out = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(view.toByteArray());
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true); // on disk before the rename makes it the view, so a crash leaves the old or the new one
        }
        Files.move(tmp, dir.resolve("view.pb"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

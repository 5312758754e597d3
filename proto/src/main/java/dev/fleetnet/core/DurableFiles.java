package dev.fleetnet.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files that must survive a crash or power loss whole: the bytes go to a sibling temporary file
 * (with its final permissions from its first byte), are forced to disk, the temporary file is
 * renamed over the target, and the directory is forced so the rename itself is on disk. After a
 * crash the file is the old one or the new one, never a part of either. One writer per file: the
 * temporary name is fixed ({@code NAME.tmp}), so a leftover of a crash is replaced, not piled up.
 */
public final class DurableFiles {
    /** {@code rw-------}: keys, tokens, and anything that carries them. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** {@code rw-r--r--}: state that holds no secret. */
    public static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private DurableFiles() {}

    /** Replaces {@code file} (or creates it) with {@code bytes}, durably and atomically; creates missing parent directories. */
    public static void write(Path file, byte[] bytes, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = parent(file);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            forceDirectory(parent(dir)); // the new directory's own entry
        }
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // a leftover of a crash may have other permissions
        try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(permissions))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true); // the bytes are on disk before the rename makes them the file
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(dir);
    }

    /** Renames {@code from} to {@code to} (same directory) atomically and forces the directory, so the rename survives a crash. */
    public static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(parent(to));
    }

    /** Forces a directory's entries (creations, renames) to disk. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static Path parent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException("file: '" + file + "' (expected: a file inside a directory)");
        }
        return parent;
    }
}

package dev.fleetnet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesReplacesAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("new/dir/secret");
        DurableFiles.write(file, "one".getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY);
        DurableFiles.write(file, "two".getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY);
        assertThat(file).hasContent("two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
    }

    @Test
    void aLeftoverTemporaryFileOfACrashIsReplacedWithTheRightPermissions() throws Exception {
        Path tmp = dir.resolve("key.tmp");
        Files.writeString(tmp, "half");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-rw-rw-"));
        DurableFiles.write(dir.resolve("key"), "whole".getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY);
        assertThat(tmp).doesNotExist();
        assertThat(dir.resolve("key")).hasContent("whole");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("key")))).isEqualTo("rw-------");
    }

    @Test
    void movesWithinADirectory() throws Exception {
        Files.writeString(dir.resolve("a"), "x");
        DurableFiles.move(dir.resolve("a"), dir.resolve("b"));
        assertThat(dir.resolve("a")).doesNotExist();
        assertThat(dir.resolve("b")).hasContent("x");
    }
}

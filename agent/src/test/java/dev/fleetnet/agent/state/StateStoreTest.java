package dev.fleetnet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void theKeyIsMadeOnceAndOnlyTheOwnerCanReadIt() throws Exception {
        StateStore store = new StateStore(dir.resolve("agent"));
        var key = store.key();
        assertThat(new StateStore(dir.resolve("agent")).key()).as("a restarted agent keeps its key").isEqualTo(key);
        Path file = dir.resolve("agent/private.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).strip()).isEqualTo(key.privateBase64());
    }

    @Test
    void theLastViewSurvivesARestartAndIsReplacedWhole() throws Exception {
        StateStore store = new StateStore(dir);
        assertThat(store.lastView()).isEmpty();
        HostView first = HostView.newBuilder().setRevision(4).setHostName("h1").addMachines(MachineSpec.newBuilder().setName("a")).build();
        HostView second = first.toBuilder().setRevision(5).clearMachines().build();
        store.saveView(first);
        store.saveView(second);
        assertThat(new StateStore(dir).lastView()).contains(second);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("view.pb");
        }
    }

    @Test
    void theSavedViewIsOwnerOnlyItCarriesCertificateKeys() throws Exception {
        StateStore store = new StateStore(dir);
        store.saveView(HostView.newBuilder().setRevision(1).setHostName("h1").build());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("view.pb")))).isEqualTo("rw-------");
    }
}

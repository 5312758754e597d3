package dev.fleetnet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-04T05:06:07.089Z"), ZoneOffset.UTC);
    private static final HostView VIEW = HostView.newBuilder().setRevision(4).setHostName("h1")
            .addMachines(MachineSpec.newBuilder().setName("a")).addMachines(MachineSpec.newBuilder().setName("b")).build();
    @TempDir
    Path dir;

    @Test
    void theKeyIsMadeOnceAndOnlyTheOwnerCanReadIt() throws Exception {
        StateStore store = new StateStore(dir.resolve("agent"), "h1");
        var key = store.key();
        assertThat(new StateStore(dir.resolve("agent"), "h1").key()).as("a restarted agent keeps its key").isEqualTo(key);
        Path file = dir.resolve("agent/private.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).strip()).isEqualTo(key.privateBase64());
        assertThat(files(dir.resolve("agent"))).as("no temporary file left").containsExactly("private.key");
    }

    @Test
    void theLastViewSurvivesARestartAndIsReplacedWhole() throws Exception {
        StateStore store = new StateStore(dir, "h1");
        assertThat(store.lastView()).isEqualTo(new SavedView.Absent(dir.resolve("view.pb")));
        HostView second = VIEW.toBuilder().setRevision(5).clearMachines().build();
        store.saveView(VIEW);
        store.saveView(second);
        assertThat(new StateStore(dir, "h1").lastView()).isEqualTo(new SavedView.Trusted(dir.resolve("view.pb"), second));
        assertThat(files(dir)).containsExactly("view.pb");
    }

    @Test
    void theSavedViewIsOwnerOnlyItCarriesCertificateKeys() throws Exception {
        StateStore store = new StateStore(dir, "h1");
        store.saveView(HostView.newBuilder().setRevision(1).setHostName("h1").build());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("view.pb")))).isEqualTo("rw-------");
    }

    @Test
    void aTruncatedViewIsMovedAsideWithTheTimeAndNeverReadAgain() throws Exception {
        new StateStore(dir, "h1").saveView(VIEW);
        byte[] whole = Files.readAllBytes(dir.resolve("view.pb"));
        byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
        Files.write(dir.resolve("view.pb"), truncated);

        SavedView found = new StateStore(dir, "h1", CLOCK).lastView();
        Path aside = dir.resolve("view.pb.corrupt-20250304T050607.089Z");
        assertThat(found).isInstanceOf(SavedView.SetAside.class);
        SavedView.SetAside setAside = (SavedView.SetAside) found;
        assertThat(setAside.movedTo()).isEqualTo(aside);
        assertThat(setAside.problem().kind()).isEqualTo(ViewEnvelope.Kind.TRUNCATED);
        assertThat(setAside.problem().detail()).isEqualTo("truncated: " + truncated.length + " bytes, its header announces "
                + whole.length + " bytes");
        assertThat(Files.readAllBytes(aside)).as("kept as it was, for the operator").isEqualTo(truncated);
        assertThat(new StateStore(dir, "h1", CLOCK).lastView()).isInstanceOf(SavedView.Absent.class);
    }

    @Test
    void eachKindOfBadFileIsMovedAsideUnderItsOwnNameAndTwoAtTheSameTimeDoNotCollide() throws Exception {
        Path view = dir.resolve("view.pb");
        Files.write(view, new byte[0]);
        new StateStore(dir, "h1", CLOCK).lastView();
        Files.write(view, new byte[0]);
        new StateStore(dir, "h1", CLOCK).lastView();
        Files.write(view, VIEW.toByteArray());
        assertThat(((SavedView.SetAside) new StateStore(dir, "h1", CLOCK).lastView()).problem().kind())
                .isEqualTo(ViewEnvelope.Kind.OLD_FORMAT);
        new StateStore(dir, "h2", CLOCK).saveView(VIEW);
        assertThat(((SavedView.SetAside) new StateStore(dir, "h1", CLOCK).lastView()).problem().kind())
                .isEqualTo(ViewEnvelope.Kind.OTHER_HOST);
        assertThat(files(dir)).containsExactly("view.pb.corrupt-20250304T050607.089Z", "view.pb.corrupt-20250304T050607.089Z-2",
                "view.pb.old-format-20250304T050607.089Z", "view.pb.other-host-20250304T050607.089Z");
    }

    private static List<String> files(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

package dev.fleetnet.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.state.ViewEnvelope.Kind;
import dev.fleetnet.agent.state.ViewEnvelope.Rejected;
import dev.fleetnet.agent.state.ViewEnvelope.Whole;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The saved view's file format: only a whole file of this host opens, and each refusal says why. */
class ViewEnvelopeTest {
    private static final HostView VIEW = HostView.newBuilder().setRevision(41).setHostName("h1").setHostNumber(1)
            .addPeers(Peer.newBuilder().setHostName("h2").setHostNumber(2).setPublicKey("k2").setEndpoint("[fd01::2]:51820")
                    .addAllowedIps("fdaa:0:0:2::/80"))
            .addMachines(MachineSpec.newBuilder().setName("web").setNetworkNumber(1).setMachineNumber(1)
                    .setAddress("fdaa:0:1:0:1:0:1:0").setRunning(true))
            .addMachines(MachineSpec.newBuilder().setName("db").setNetworkNumber(1).setMachineNumber(2)
                    .setAddress("fdaa:0:1:0:1:0:2:0").setRunning(true))
            .build();
    private static final byte[] SEALED = ViewEnvelope.seal("h1", VIEW);
    /** Where the header ends and the view begins: magic 8, version 2, name length 2, "h1", view length 4. */
    private static final int VIEW_AT = 8 + 2 + 2 + 2 + 4;

    @Test
    void aGoodFileRoundTrips() {
        assertThat(ViewEnvelope.open(SEALED, "h1")).isEqualTo(new Whole(VIEW));
        assertThat(SEALED).hasSize(VIEW_AT + VIEW.getSerializedSize() + 32);
        assertThat(Arrays.copyOf(SEALED, 8)).asString().isEqualTo("FNETVIEW");
        assertThat(ViewEnvelope.open(ViewEnvelope.seal("h1", HostView.getDefaultInstance()), "h1"))
                .as("an empty view, sealed, is a whole file").isEqualTo(new Whole(HostView.getDefaultInstance()));
    }

    @Test
    void anEmptyFileIsRefused() {
        assertThat(ViewEnvelope.open(new byte[0], "h1"))
                .isEqualTo(new Rejected(Kind.EMPTY, "empty (0 bytes; expected: a view saved by this agent)"));
    }

    /** Inside the magic, the version, the host name, the view length, the view, the digest; and its last byte. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 9, 11, 13, 16, VIEW_AT + 1, VIEW_AT + 20, -32, -31, -1})
    void aFileTruncatedAnywhereIsRefusedAsTruncated(int offset) {
        int length = offset > 0 ? offset : SEALED.length + offset;
        var opened = ViewEnvelope.open(Arrays.copyOf(SEALED, length), "h1");
        assertThat(opened).isInstanceOf(Rejected.class).extracting(o -> ((Rejected) o).kind()).isEqualTo(Kind.TRUNCATED);
        assertThat(opened.toString()).startsWith("truncated: " + length + " bytes, ");
    }

    @Test
    void aTruncatedViewSaysHowLongTheWholeFileIs() {
        int length = SEALED.length - 10;
        assertThat(ViewEnvelope.open(Arrays.copyOf(SEALED, length), "h1").toString())
                .isEqualTo("truncated: " + length + " bytes, its header announces " + SEALED.length + " bytes");
    }

    @Test
    void aFlippedByteAnywhereIsRefused() {
        for (int i = 0; i < SEALED.length; i++) {
            byte[] damaged = SEALED.clone();
            damaged[i] ^= 0x01;
            assertThat(ViewEnvelope.open(damaged, "h1")).as("byte %d flipped", i).isInstanceOf(Rejected.class);
        }
    }

    @Test
    void aFlippedByteInTheHostNameOrTheViewFailsTheChecksum() {
        for (int i : IntStream.concat(IntStream.of(12, 13), IntStream.range(VIEW_AT, SEALED.length)).toArray()) {
            byte[] damaged = SEALED.clone();
            damaged[i] ^= 0x40;
            Rejected rejected = (Rejected) ViewEnvelope.open(damaged, "h1");
            assertThat(rejected.kind()).as("byte %d", i).isEqualTo(Kind.CORRUPT);
            assertThat(rejected.detail()).as("byte %d", i).matches("corrupt: SHA-256 [0-9a-f]{64} stored, [0-9a-f]{64} computed"
                    + " \\(expected: equal\\)");
        }
    }

    @Test
    void aDamagedVersionOrTrailingBytesAreRefusedWithWhatWasExpected() {
        byte[] version = SEALED.clone();
        version[9] = 7;
        assertThat(ViewEnvelope.open(version, "h1")).isEqualTo(new Rejected(Kind.UNKNOWN_VERSION,
                "format version 7 (expected: 1; saved by another fleetnet version, or damaged)"));
        byte[] longer = Arrays.copyOf(SEALED, SEALED.length + 3);
        assertThat(ViewEnvelope.open(longer, "h1")).isEqualTo(new Rejected(Kind.CORRUPT,
                "corrupt: " + longer.length + " bytes where its header announces " + SEALED.length + " (expected: exactly that many)"));
    }

    @Test
    void anotherHostsFileIsRefusedEvenWhenWhole() {
        assertThat(ViewEnvelope.open(ViewEnvelope.seal("h2", VIEW.toBuilder().setHostName("h2").build()), "h1"))
                .isEqualTo(new Rejected(Kind.OTHER_HOST, "saved by host 'h2' (expected: 'h1')"));
    }

    @Test
    void anOldFormatFileIsRefusedWholeOrTruncatedBecauseATruncatedOneParsesAsASmallerView() throws Exception {
        byte[] old = VIEW.toByteArray();
        int cut = VIEW.toBuilder().removeMachines(1).build().getSerializedSize(); // just before the last machine
        byte[] truncated = Arrays.copyOf(old, cut);
        assertThat(HostView.parseFrom(truncated).getMachinesList()).as("why it cannot be trusted: it parses, smaller")
                .extracting(MachineSpec::getName).containsExactly("web");
        for (byte[] file : new byte[][] {old, truncated}) {
            Rejected rejected = (Rejected) ViewEnvelope.open(file, "h1");
            assertThat(rejected.kind()).isEqualTo(Kind.OLD_FORMAT);
            assertThat(rejected.detail()).startsWith("a plain HostView of the previous format (host 'h1', revision 41, "
                    + file.length + " bytes) with no length or checksum");
        }
    }

    @Test
    void bytesThatAreNeitherFormatAreCorrupt() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        assertThat(ViewEnvelope.open(garbage, "h1"))
                .isEqualTo(new Rejected(Kind.CORRUPT, "not a saved view: starts with ffffffff0f (expected: the magic FNETVIEW)"));
    }

    @Test
    void theHeaderIsWhatTheJavadocSays() {
        ByteBuffer header = ByteBuffer.wrap(SEALED);
        header.position(8);
        assertThat(header.getShort()).isEqualTo((short) 1);
        assertThat(header.getShort()).isEqualTo((short) 2);
        assertThat(new byte[] {header.get(), header.get()}).asString().isEqualTo("h1");
        assertThat(header.getInt()).isEqualTo(VIEW.getSerializedSize());
    }
}

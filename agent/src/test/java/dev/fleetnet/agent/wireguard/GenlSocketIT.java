package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel backend's generic netlink against the real kernel: what can be proven on a machine
 * without the wireguard module. The socket, the request encoding and the reading of replies and
 * errors are the ones {@link KernelWireGuard} uses; only the wireguard family's own commands
 * need a kernel that has it.
 */
class GenlSocketIT {
    @Test
    void theKernelAnswersAFamilyLookupWithTheControlFamilysId() throws Exception {
        try (GenlSocket socket = new GenlSocket()) {
            List<ByteBuffer> replies = socket.request("nlctrl", WgNetlink.getFamily("nlctrl"));
            assertThat(replies).hasSize(1);
            assertThat(WgNetlink.familyId(replies.getFirst())).as("GENL_ID_CTRL").isEqualTo(0x10);
        }
    }

    @Test
    void theWireguardFamilyIsFoundExactlyWhenTheKernelHasWireGuard() throws Exception {
        try (GenlSocket socket = new GenlSocket()) {
            if (KernelSupport.available()) {
                assertThat(KernelWireGuard.family(socket)).as("a dynamic family id").isGreaterThan(0x10);
            } else {
                assertThatThrownBy(() -> KernelWireGuard.family(socket)).isInstanceOf(IOException.class)
                        .hasMessage("this kernel has no WireGuard (generic netlink family 'wireguard' not found; expected: the"
                                + " wireguard module, or the userspace backend)")
                        .cause().hasMessageContaining("errno 2 (ENOENT");
            }
        }
    }

    @Test
    void repliesAreMatchedToTheirRequestWhenOneSocketAsksAgain() throws Exception {
        try (GenlSocket socket = new GenlSocket()) {
            for (int i = 0; i < 3; i++) { // each request numbered anew; an answer to another is never taken for its own
                assertThat(WgNetlink.familyId(socket.request("nlctrl", WgNetlink.getFamily("nlctrl")).getFirst())).isEqualTo(0x10);
            }
        }
    }

    @Test
    void anUnknownFamilyIsTheKernelsEnoentNotAHang() throws Exception {
        try (GenlSocket socket = new GenlSocket()) {
            assertThatThrownBy(() -> socket.request("fleetnet-none", WgNetlink.getFamily("fleetnet-none")))
                    .isInstanceOf(GenlSocket.NetlinkError.class).hasMessage("fleetnet-none: the kernel answered errno 2"
                            + " (ENOENT: no such family or object)");
        }
    }
}

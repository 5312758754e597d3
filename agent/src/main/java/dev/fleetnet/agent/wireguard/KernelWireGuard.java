package dev.fleetnet.agent.wireguard;

import dev.fleetnet.netns.LinuxNetworking;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The mesh interface as a kernel WireGuard link: created as kind {@code wireguard} through
 * {@link LinuxNetworking}, read and configured over generic netlink ({@link WgNetlink}) from the
 * same UAPI plan the userspace backend takes. Used where the kernel has WireGuard ({@link
 * KernelSupport}); no process to run, no socket file.
 */
public final class KernelWireGuard implements WireGuardDevice {
    private final String name;
    private final LinuxNetworking net;

    public KernelWireGuard(String name, LinuxNetworking net) {
        this.name = name;
        this.net = net;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean ensure() throws IOException {
        for (LinuxNetworking.Link link : net.links(null)) {
            if (link.name().equals(name)) {
                if (!"wireguard".equals(link.kind())) {
                    throw new IOException("mesh interface " + name + " exists as a " + link.kind()
                            + " link (expected: a wireguard link, or none); remove it or choose another --mesh-interface");
                }
                return false;
            }
        }
        net.addWireGuard(name);
        return true;
    }

    @Override
    public MeshConfig read() throws IOException {
        try (GenlSocket socket = new GenlSocket()) {
            List<ByteBuffer> parts = socket.request("WG_CMD_GET_DEVICE " + name, WgNetlink.getDevice(family(socket), name));
            return WgNetlink.device(parts);
        }
    }

    @Override
    public void apply(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        try (GenlSocket socket = new GenlSocket()) {
            List<byte[]> messages = WgNetlink.setDevice(family(socket), name, lines, WgNetlink.MAX_MESSAGE);
            for (int i = 0; i < messages.size(); i++) { // in order: the device's own attributes come first
                socket.request("WG_CMD_SET_DEVICE " + name + " (" + (i + 1) + " of " + messages.size() + ")", messages.get(i));
            }
        }
    }

    /** The id the kernel gave the {@code wireguard} generic netlink family. */
    static int family(GenlSocket socket) throws IOException {
        List<ByteBuffer> replies;
        try {
            replies = socket.request("generic netlink family " + WgNetlink.FAMILY, WgNetlink.getFamily(WgNetlink.FAMILY));
        } catch (GenlSocket.NetlinkError e) {
            if (e.errno == 2) {
                throw new IOException("this kernel has no WireGuard (generic netlink family '" + WgNetlink.FAMILY
                        + "' not found; expected: the wireguard module, or the userspace backend)", e);
            }
            throw e;
        }
        if (replies.isEmpty()) {
            throw new IOException("generic netlink family " + WgNetlink.FAMILY + ": the kernel acknowledged without an answer");
        }
        return WgNetlink.familyId(replies.getFirst());
    }
}

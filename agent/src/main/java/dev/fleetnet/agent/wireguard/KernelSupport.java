package dev.fleetnet.agent.wireguard;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this kernel has WireGuard built in or loaded. */
public final class KernelSupport {
    private KernelSupport() {}

    public static boolean available() {
        return Files.isDirectory(Path.of("/sys/module/wireguard"));
    }
}

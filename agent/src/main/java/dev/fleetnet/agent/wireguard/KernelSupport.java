package dev.fleetnet.agent.wireguard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Whether this kernel can make WireGuard links (module loaded, built in, or loadable on demand). */
public final class KernelSupport {
    private KernelSupport() {}

    /**
     * True if {@code /sys/module/wireguard} exists, or if a throwaway {@code type wireguard}
     * link can be created (and is deleted again) in the caller's network namespace.
     */
    public static boolean available() {
        if (Files.isDirectory(Path.of("/sys/module/wireguard"))) {
            return true;
        }
        String probe = "fnwg" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        if (!run(List.of("ip", "link", "add", probe, "type", "wireguard"))) {
            return false;
        }
        run(List.of("ip", "link", "delete", probe));
        return true;
    }

    private static boolean run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

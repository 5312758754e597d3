package dev.fleetnet.agent.wireguard;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WireGuard in userspace: {@code wireguard-go} runs as a daemon that outlives the agent (an
 * agent restart must not reset the mesh), configured over its UAPI socket.
 */
public final class UserspaceWireGuard implements WireGuardDevice {
    private static final Logger log = LoggerFactory.getLogger(UserspaceWireGuard.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private final String name;
    private final UapiClient uapi;

    public UserspaceWireGuard(String name, Path socketDirectory) {
        this.name = name;
        this.uapi = new UapiClient(socketDirectory.resolve(name + ".sock"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean ensure() throws IOException {
        if (uapi.answers()) {
            return false;
        }
        ProcessBuilder builder = new ProcessBuilder("wireguard-go", name).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // wireguard-go refuses to run where the kernel could have WireGuard unless told otherwise.
        builder.environment().put("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1");
        Process launcher = builder.start();
        try {
            // Without -f it forks the daemon and the launcher exits.
            if (!launcher.waitFor(START_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS) || launcher.exitValue() != 0) {
                throw new IOException("wireguard-go " + name + " failed to start (exit "
                        + (launcher.isAlive() ? "none" : launcher.exitValue()) + ")");
            }
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!uapi.answers()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("wireguard-go " + name + " started but its socket " + uapi.socket()
                            + " did not answer within " + START_TIMEOUT.toSeconds() + "s");
                }
                Thread.sleep(20); // polling interval
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting wireguard-go " + name, e);
        }
        log.info("started wireguard-go for {} (userspace WireGuard)", name);
        return true;
    }

    @Override
    public MeshConfig read() throws IOException {
        return uapi.get();
    }

    @Override
    public void apply(List<String> lines) throws IOException {
        uapi.set(lines);
    }
}

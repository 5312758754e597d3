package dev.fleetnet.agent.wireguard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WireGuard in userspace: {@code wireguard-go} runs as a daemon that outlives the agent (an
 * agent restart must not reset the mesh), configured over its UAPI socket.
 */
public final class UserspaceWireGuard implements WireGuardDevice {
    private static final Logger log = LoggerFactory.getLogger(UserspaceWireGuard.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** Where wireguard-go puts its sockets (fixed at its build time; the directory setting is where we look). */
    public static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/wireguard");
    private final Settings settings;
    private final UapiClient uapi;

    /**
     * Which device, where its UAPI socket lives, and the named network namespace to start
     * {@code wireguard-go} in ({@code null}: the caller's own).
     */
    public record Settings(String name, Path socketDirectory, String namespace) {
        public Settings {
            if (name.isEmpty() || name.length() > 15) {
                throw new IllegalArgumentException("mesh interface: '" + name + "' (expected: 1..15 characters)");
            }
        }

        public static Settings inOwnNamespace(String name) {
            return new Settings(name, DEFAULT_SOCKET_DIRECTORY, null);
        }
    }

    public UserspaceWireGuard(Settings settings) {
        this.settings = settings;
        this.uapi = new UapiClient(settings.socketDirectory().resolve(settings.name() + ".sock"));
    }

    @Override
    public String name() {
        return settings.name();
    }

    public UapiClient uapi() {
        return uapi;
    }

    @Override
    public boolean ensure() throws IOException {
        if (uapi.answers()) {
            return false; // a running wireguard-go is kept: restarting it would drop every session
        }
        List<String> argv = new ArrayList<>();
        if (settings.namespace() != null) {
            // wireguard-go makes its TUN in the namespace it starts in; only the network namespace changes.
            argv.addAll(List.of("nsenter", "--net=/var/run/netns/" + settings.namespace()));
        }
        argv.addAll(List.of("wireguard-go", settings.name()));
        Path output = Files.createTempFile("wireguard-go-" + settings.name(), ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile());
            // wireguard-go refuses to run where the kernel could have WireGuard unless told otherwise.
            builder.environment().put("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1");
            builder.environment().remove("LOG_LEVEL"); // with it, the daemon would keep our output file open
            Process launcher = builder.start();
            // Without -f it forks the daemon and the launcher exits.
            if (!launcher.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": did not return within " + START_TIMEOUT.toSeconds() + "s");
            }
            if (launcher.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + ": exit " + launcher.exitValue() + ": "
                        + Files.readString(output).strip().replace('\n', ' '));
            }
            awaitSocket();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting wireguard-go " + settings.name(), e);
        } finally {
            Files.deleteIfExists(output);
        }
        log.info("started wireguard-go for {}{} (userspace WireGuard)", settings.name(),
                settings.namespace() == null ? "" : " in namespace " + settings.namespace());
        return true;
    }

    private void awaitSocket() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!uapi.answers()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("wireguard-go " + settings.name() + " started but its socket " + uapi.socket()
                        + " did not answer within " + START_TIMEOUT.toSeconds() + "s");
            }
            Thread.sleep(20); // polling interval while the daemon comes up, not synchronisation
        }
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

package dev.fleetnet.lab;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Starting detached lab processes with their output in log files, and stopping them by pid. */
final class Processes {
    private Processes() {}

    /**
     * Starts {@code command} in its own session (so it outlives the CLI and ignores the
     * terminal's signals), stdin from /dev/null, stdout+stderr appended to {@code log}.
     */
    static Process startDetached(List<String> command, Path log) throws IOException {
        List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(command);
        return new ProcessBuilder(full)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}; waits until it is gone. */
    static void stop(long pid, Duration grace) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return;
        }
        ProcessHandle process = handle.get();
        process.destroy();
        try {
            Deadline.await("pid " + pid + " to exit", grace, () -> !process.isAlive());
        } catch (IllegalStateException stillRunning) {
            process.destroyForcibly();
            Deadline.await("pid " + pid + " to exit after SIGKILL", Duration.ofSeconds(10), () -> !process.isAlive());
        }
    }

    /** A loopback TCP port that was free a moment ago. */
    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The java binary of this JVM, so lab processes run on the same JDK. */
    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}

package dev.fleetnet.netns;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion and returns its output; failures name the command line, exit code and stderr. */
final class Command {
    private static final long TIMEOUT_SECONDS = 30;

    private Command() {}

    /** How a program ended. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    static Result run(List<String> argv) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new NetworkingException(line(argv) + ": cannot start: " + e.getMessage()
                    + " (expected: " + argv.getFirst() + " installed and on PATH)", e);
        }
        // stderr on its own thread, so that neither pipe can fill up and stall the program.
        CompletableFuture<String> stderr = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> stderr.complete(readAll(process.getErrorStream())));
        String stdout = readAll(process.getInputStream());
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new NetworkingException(line(argv) + ": no exit within " + TIMEOUT_SECONDS + "s");
            }
            return new Result(process.exitValue(), stdout, stderr.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new NetworkingException(line(argv) + ": interrupted", e);
        }
    }

    /** Runs and returns stdout; a non-zero exit throws {@link #failure}. */
    static String check(List<String> argv) {
        Result result = run(argv);
        if (!result.ok()) {
            throw failure(argv, result);
        }
        return result.stdout();
    }

    /** {@code ip -n t1 link add fmx type veth ...: exit 2: Error: ...}. */
    static NetworkingException failure(List<String> argv, Result result) {
        String why = result.stderr().strip().replace('\n', ' ');
        return new NetworkingException(line(argv) + ": exit " + result.exitCode() + ": "
                + (why.isEmpty() ? "(no message)" : why));
    }

    private static String line(List<String> argv) {
        return String.join(" ", argv);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }
}

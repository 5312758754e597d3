package dev.fleetnet.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion and returns its output; failures name the command, exit code and stderr. */
final class Command {
    private static final long TIMEOUT_SECONDS = 30;

    private Command() {}

    record Result(int exitCode, String stdout, String stderr) {}

    static Result run(List<String> argv) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new NetworkingException(String.join(" ", argv) + ": cannot start: " + e.getMessage(), e);
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = readAll(process.getInputStream());
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new NetworkingException(String.join(" ", argv) + ": no answer within " + TIMEOUT_SECONDS + "s");
            }
            return new Result(process.exitValue(), stdout, stderr.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new NetworkingException(String.join(" ", argv) + ": interrupted", e);
        }
    }

    /** Runs and returns stdout; a non-zero exit throws with the command line and stderr. */
    static String check(List<String> argv) {
        Result result = run(argv);
        if (result.exitCode() != 0) {
            throw new NetworkingException(String.join(" ", argv) + ": exit " + result.exitCode() + ": "
                    + result.stderr().strip());
        }
        return result.stdout();
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

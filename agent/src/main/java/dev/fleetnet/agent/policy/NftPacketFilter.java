package dev.fleetnet.agent.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * fleetnet's table in the kernel's nftables, through the {@code nft} CLI: one {@code nft -j -f -}
 * process per batch (libnftables applies a JSON batch as one transaction) and
 * {@code nft -j list table inet fleetnet} to read. Only that table is ever named.
 */
public final class NftPacketFilter implements PacketFilter {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final String namespace;

    /** {@code namespace}: null for the caller's own network namespace, else a name for {@code ip netns exec}. */
    public NftPacketFilter(String namespace) {
        if (namespace != null && (namespace.isEmpty() || namespace.contains("/"))) {
            throw new IllegalArgumentException("namespace: '" + namespace + "' (expected: null or a name under /run/netns)");
        }
        this.namespace = namespace;
    }

    @Override
    public Optional<PolicyState> read() throws IOException {
        String operation = "list table inet " + PolicyRules.TABLE;
        Output out = run(operation, null, "nft", "-j", "list", "table", "inet", PolicyRules.TABLE);
        if (out.exitCode() != 0) {
            // nft echoes the failing command under its error; "No such file or directory" there means no table.
            if (out.stderr().contains("No such file or directory") && out.stderr().contains(operation)) {
                return Optional.empty();
            }
            throw failure(operation, out);
        }
        try {
            return Optional.of(NftTableReader.parse(out.stdout()));
        } catch (IllegalArgumentException e) {
            throw new IOException("nft " + operation + where() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void apply(List<PolicyChange> changes) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        String operation = "apply a batch of " + changes.size() + " changes (" + summary(changes) + ")";
        Output out = run(operation, NftJson.batch(PolicyRules.TABLE, changes), "nft", "-j", "-f", "-");
        if (out.exitCode() != 0) {
            throw failure(operation, out);
        }
    }

    /** The command's exit code and both streams. */
    private record Output(int exitCode, String stdout, String stderr) {}

    private Output run(String operation, String stdin, String... nft) throws IOException {
        List<String> argv = new ArrayList<>();
        if (namespace != null) {
            argv.addAll(List.of("ip", "netns", "exec", namespace));
        }
        argv.addAll(List.of(nft));
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new IOException("nft " + operation + where() + ": cannot run " + argv.get(0) + " (" + e.getMessage()
                    + "; expected: the nftables and iproute2 packages installed)", e);
        }
        // Both streams are drained while stdin is written, so neither side can block on a full pipe.
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // nft exited before reading all of stdin; its exit code and stderr say why.
        }
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException("nft " + operation + where() + ": no answer within " + TIMEOUT.toSeconds() + " s; killed");
            }
            return new Output(process.exitValue(), stdout.get(), stderr.get());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("nft " + operation + where() + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("nft " + operation + where() + ": reading its output: " + e.getCause().getMessage(), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private IOException failure(String operation, Output out) {
        String stderr = out.stderr().strip().replaceAll("\\n\\s*\\n", "\n");
        return new IOException("nft " + operation + where() + " failed (exit " + out.exitCode() + "): "
                + (stderr.isEmpty() ? "no message" : stderr));
    }

    private String where() {
        return namespace == null ? "" : " in network namespace " + namespace;
    }

    /** E.g. {@code 2 add element, 1 delete element}: enough to tell which batch failed. */
    private static String summary(List<PolicyChange> changes) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (PolicyChange c : changes) {
            String name = c.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
            counts.merge(name, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add(v + " " + k));
        return String.join(", ", parts);
    }
}

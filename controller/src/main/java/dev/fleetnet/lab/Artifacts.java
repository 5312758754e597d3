package dev.fleetnet.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Finds the built jars of a module ({@code <module>/target/fleetnet-<module>-*.jar} plus {@code target/lib/*}). */
final class Artifacts {
    private Artifacts() {}

    static String classpath(Path home, String module) {
        Path target = home.resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            Path jar = files.filter(p -> p.getFileName().toString().matches("fleetnet-" + module + "-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
                    .findFirst()
                    .orElseThrow(() -> notBuilt(target));
            return jar + ":" + target.resolve("lib") + "/*";
        } catch (IOException e) {
            throw notBuilt(target);
        }
    }

    private static UncheckedIOException notBuilt(Path target) {
        return new UncheckedIOException(new IOException("no built jar in " + target
                + " (expected: run ./mvnw -DskipTests package, or just ./fleetnet which builds on first use)"));
    }
}

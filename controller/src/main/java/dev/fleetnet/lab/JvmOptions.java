package dev.fleetnet.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options the agent runs with, kept in one file ({@code agent/jvm-options}) that the lab
 * and the benches both read, so a bench figure is the agent's as the lab runs it.
 */
final class JvmOptions {
    static final String AGENT_FILE = "agent/jvm-options";

    private JvmOptions() {}

    /** Options separated by white space, one or more per line; a line whose first non-blank is {@code #} is a comment. */
    static List<String> parse(String text) {
        List<String> options = new ArrayList<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            for (String option : trimmed.split("\\s+")) {
                if (!option.startsWith("-")) {
                    throw new IllegalArgumentException("JVM option '" + option + "' in line '" + trimmed
                            + "' (expected: options starting with '-', or a comment line starting with '#')");
                }
                options.add(option);
            }
        }
        return List.copyOf(options);
    }

    /** The agent's options from {@code home}'s {@value #AGENT_FILE}. */
    static List<String> agent(Path home) {
        Path file = home.resolve(AGENT_FILE);
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot read the agent's JVM options " + file
                    + " (expected: the file of this repository, next to the agent's sources): " + e.getMessage(), e));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}

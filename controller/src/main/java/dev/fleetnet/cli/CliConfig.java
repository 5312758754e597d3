package dev.fleetnet.cli;

import dev.fleetnet.core.DurableFiles;
import dev.fleetnet.core.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The CLI's config file ({@code ~/.config/fleetnet/config.yaml}): named contexts, each a controller
 * address, the CA its API certificate is checked against and a token (inline, or a file holding
 * it), and the current context. Written owner-only: a context may hold a token.
 * <pre>
 * current-context: lab
 * contexts:
 *   lab:
 *     controller: 127.0.0.1:7400
 *     ca-file: /root/fleetnet/.lab/api-ca.pem
 *     token-file: /root/fleetnet/.lab/admin-token
 * </pre>
 */
record CliConfig(String currentContext, Map<String, Context> contexts) {
    /** One controller and how to call it; {@code token} and {@code tokenFile}: at most one. */
    record Context(String controller, Path caFile, Path tokenFile, String token) {
        Context {
            if (controller == null || controller.isBlank()) {
                throw new IllegalArgumentException("controller: empty (expected: HOST:PORT)");
            }
            if (token != null && tokenFile != null) {
                throw new IllegalArgumentException("token and token-file: both set (expected: one)");
            }
        }
    }

    CliConfig {
        contexts = java.util.Collections.unmodifiableMap(new TreeMap<>(contexts)); // listed by name
    }

    static final CliConfig EMPTY = new CliConfig(null, Map.of());

    /** {@code $FLEETNET_CONFIG}, else {@code $XDG_CONFIG_HOME/fleetnet/config.yaml}, else {@code ~/.config/fleetnet/config.yaml}. */
    static Path location(Map<String, String> env) {
        String explicit = env.get("FLEETNET_CONFIG");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("fleetnet").resolve("config.yaml");
    }

    /** The file's config, or {@link #EMPTY} when there is no file; IllegalArgumentException naming the file and what is wrong. */
    static CliConfig load(Path file) {
        if (!Files.exists(file)) {
            return EMPTY;
        }
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | YAMLException e) {
            throw new IllegalArgumentException("config " + file + ": cannot be read (" + e.getMessage().lines().findFirst().orElse("")
                    + ") (expected: YAML with current-context and contexts)");
        }
        if (root == null) {
            return EMPTY;
        }
        Map<?, ?> top = map(file, "the file", root);
        Map<String, Context> contexts = new TreeMap<>();
        Object listed = top.get("contexts");
        if (listed != null) {
            for (Map.Entry<?, ?> entry : map(file, "contexts", listed).entrySet()) {
                String name = String.valueOf(entry.getKey());
                Map<?, ?> fields = map(file, "context " + name, entry.getValue());
                try {
                    contexts.put(name, new Context(text(fields, "controller"), path(fields, "ca-file"), path(fields, "token-file"),
                            text(fields, "token")));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("config " + file + ": context '" + name + "': " + e.getMessage());
                }
            }
        }
        String current = text(top, "current-context");
        return new CliConfig(current, contexts);
    }

    void save(Path file) throws IOException {
        Map<String, Object> top = new LinkedHashMap<>();
        if (currentContext != null) {
            top.put("current-context", currentContext);
        }
        Map<String, Object> all = new TreeMap<>();
        contexts.forEach((name, c) -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("controller", c.controller());
            if (c.caFile() != null) {
                fields.put("ca-file", c.caFile().toString());
            }
            if (c.tokenFile() != null) {
                fields.put("token-file", c.tokenFile().toString());
            }
            if (c.token() != null) {
                fields.put("token", c.token());
            }
            all.put(name, fields);
        });
        top.put("contexts", all);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        String text = "# fleetnet CLI contexts (fleetnet context add/use/list); may hold tokens: keep it owner-only\n"
                + new Yaml(options).dump(top);
        DurableFiles.write(file, text.getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY);
    }

    CliConfig withContext(String name, Context context) {
        Names.check("context name", name);
        Map<String, Context> next = new TreeMap<>(contexts);
        next.put(name, context);
        return new CliConfig(currentContext, next);
    }

    CliConfig withCurrent(String name) {
        if (!contexts.containsKey(name)) {
            throw new IllegalArgumentException("context '" + name + "': no such context (expected: one of " + contexts.keySet() + ")");
        }
        return new CliConfig(name, contexts);
    }

    CliConfig without(String name) {
        if (!contexts.containsKey(name)) {
            throw new IllegalArgumentException("context '" + name + "': no such context (expected: one of " + contexts.keySet() + ")");
        }
        Map<String, Context> next = new TreeMap<>(contexts);
        next.remove(name);
        return new CliConfig(name.equals(currentContext) ? null : currentContext, next);
    }

    private static Map<?, ?> map(Path file, String what, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("config " + file + ": " + what + " is not a mapping (expected: key: value lines)");
        }
        return m;
    }

    private static String text(Map<?, ?> fields, String key) {
        Object value = fields.get(key);
        return value == null ? null : String.valueOf(value);
    }

    private static Path path(Map<?, ?> fields, String key) {
        String value = text(fields, key);
        return value == null ? null : Path.of(value);
    }
}

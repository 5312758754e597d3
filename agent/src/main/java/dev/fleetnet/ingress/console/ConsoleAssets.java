package dev.fleetnet.ingress.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The console page's files, read once from the agent jar: the page, its script and style, and
 * xterm.js with its fit and attach add-ons, which the agent's build takes from the npm registry
 * ({@code agent/console}). Nothing is loaded from elsewhere at run time: no CDN.
 */
public final class ConsoleAssets {
    /** Where the build puts the files in the jar. */
    static final String RESOURCE_DIR = "/dev/fleetnet/ingress/console/site/";
    static final List<String> NAMES = List.of("index.html", "console.js", "console.css", "xterm.mjs", "xterm.css", "addon-fit.mjs",
            "addon-attach.mjs");

    /** One file: its bytes and content type. */
    public record Asset(byte[] body, String contentType) {}

    private final Map<String, Asset> assets;

    private ConsoleAssets(Map<String, Asset> assets) {
        this.assets = Map.copyOf(assets);
    }

    /** The files in the jar; throws naming every missing one. */
    public static ConsoleAssets load() throws IOException {
        Map<String, Asset> found = new TreeMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : NAMES) {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    missing.add(name);
                } else {
                    found.put(name, new Asset(in.readAllBytes(), contentType(name)));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("the web console's files are missing from the agent jar: " + missing + " under " + RESOURCE_DIR
                    + " (expected: put there by the agent build's npm step, agent/console)");
        }
        return new ConsoleAssets(found);
    }

    /** Given files (tests). */
    static ConsoleAssets of(Map<String, Asset> assets) {
        return new ConsoleAssets(assets);
    }

    public java.util.Set<String> names() {
        return assets.keySet();
    }

    public Asset get(String name) {
        return assets.get(name);
    }

    static String contentType(String name) {
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return switch (extension) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            default -> "application/octet-stream";
        };
    }
}

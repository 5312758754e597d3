package dev.fleetnet.routing;

import java.util.function.Predicate;

/**
 * The implicit hostnames under the fleet suffix: {@code {machine}-{port}.S},
 * {@code {port}__{machine}.S}, {@code {machine}.S} (default port) and {@code {app}.S}.
 * A machine name wins over an app name, and over a {@code -port} reading of the same label.
 */
public record IngressNaming(String suffix, int defaultPort) {
    /** The label of the web console's hostname under the suffix. */
    public static final String CONSOLE_LABEL = "console";

    public IngressNaming {
        suffix = Hostnames.normalize(suffix);
        if (defaultPort < 1 || defaultPort > 65535) {
            throw new IllegalArgumentException("default port: " + defaultPort + " (expected: 1..65535)");
        }
    }

    /** What an implicit hostname names. */
    public sealed interface Implicit {
        record ToMachine(String machine, int port) implements Implicit {}

        record ToApp(String app, int port) implements Implicit {}

        record UnknownMachine(String machine) implements Implicit {}

        record None() implements Implicit {}
    }

    /**
     * The web console's hostname, {@code console.{suffix}}: every agent's ingress answers it itself
     * (the page and its WebSocket), before any route; a machine named {@code console} is reached
     * there only under its other names ({@code console-8080.{suffix}}).
     */
    public String consoleHostname() {
        return CONSOLE_LABEL + "." + suffix;
    }

    /** True for the suffix itself and every name under it: the only hosts {@code /proxy/...} paths are served on. */
    public boolean covers(String host) {
        return host.equals(suffix) || host.endsWith("." + suffix);
    }

    public Implicit parse(String host, Predicate<String> isMachine, Predicate<String> isApp) {
        if (!host.endsWith("." + suffix)) {
            return new Implicit.None();
        }
        String label = host.substring(0, host.length() - suffix.length() - 1);
        if (label.isEmpty() || label.contains(".")) {
            return new Implicit.None();
        }
        int underscores = label.indexOf("__");
        if (underscores > 0) {
            int port = parsePort(label.substring(0, underscores));
            String machine = label.substring(underscores + 2);
            return port < 0 ? new Implicit.UnknownMachine(label) : new Implicit.ToMachine(machine, port);
        }
        if (isMachine.test(label)) {
            return new Implicit.ToMachine(label, defaultPort);
        }
        if (isApp.test(label)) {
            return new Implicit.ToApp(label, defaultPort);
        }
        int dash = label.lastIndexOf('-');
        if (dash > 0) {
            int port = parsePort(label.substring(dash + 1));
            String machine = label.substring(0, dash);
            if (port > 0) {
                return isApp.test(machine) && !isMachine.test(machine)
                        ? new Implicit.ToApp(machine, port) : new Implicit.ToMachine(machine, port);
            }
        }
        return new Implicit.UnknownMachine(label);
    }

    /** 1..65535 from decimal text, or -1. */
    static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return -1;
            }
        }
        int port = Integer.parseInt(text);
        return port >= 1 && port <= 65535 ? port : -1;
    }
}

package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code ./fleetnet} command line: labs, hosts, networks, machines, routes, certificates, tokens and contexts. */
@Command(name = "fleetnet", mixinStandardHelpOptions = true, version = "fleetnet 0.1.0",
        description = "Networking for a microVM platform: fdaa:: mesh, machines, labs.",
        subcommands = {LabCommand.class, HostCommand.class, NetworkCommand.class, MachineCommand.class, RouteCommand.class,
            CertCommand.class, SshCommand.class, TokenCommand.class, ContextCommand.class},
        footer = {"", "Exit status: 0 done; 1 refused by the controller (the reason is printed) or a local error; 2 bad usage;"
                + " 3 controller unreachable; 4 machine stop not confirmed by its host; 5 controller up but etcd unavailable;"
                + " 6 outcome unknown (a write was sent but not answered: it may have been applied); 7 no, unknown or"
                + " insufficient API token."})
public final class FleetnetCli {
    static final String DEFAULT_CONTROLLER = "127.0.0.1:7400";

    @Option(names = "--controller", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
            description = "Controller API address (default: $FLEETNET_CONTROLLER, else the current context's, else the running"
                    + " lab's, else " + DEFAULT_CONTROLLER + ").")
    String controller;

    @Option(names = "--context", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Use this context of the config file (default: its current context; see `fleetnet context`).")
    String context;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for the controller's answer: 500ms, 10s, 2m (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of tables.")
    boolean json;

    @Option(names = "--lab-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where the lab keeps its state and logs (default: <repo>/.lab).")
    Path labDir;

    private final Map<String, String> env;

    FleetnetCli(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with this process's environment and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /**
     * Runs the CLI with {@code env} as its environment (FLEETNET_CONTROLLER, FLEETNET_TOKEN,
     * FLEETNET_TOKEN_FILE, FLEETNET_CA, FLEETNET_CONFIG) and returns its exit code; output goes to
     * {@code out}, one-line errors to {@code err}.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        CommandLine cli = new CommandLine(new FleetnetCli(env));
        cli.setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            FleetnetCli root = commandLine.getCommandSpec().root().commandLine().getCommand();
            CallFailure failure = CallFailure.of(e, root::describeTarget);
            commandLine.getErr().println("error: " + failure.message());
            return failure.exitCode();
        });
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    Map<String, String> env() {
        return env;
    }

    Path labDir() {
        if (labDir != null) {
            return labDir;
        }
        return Path.of(System.getProperty("fleetnet.home", ".")).resolve(".lab");
    }

    ApiTargets targets() {
        return new ApiTargets(controller, context, env, labDir());
    }

    FleetClient connect() {
        return FleetClient.connect(targets().resolve().endpoint(), timeout());
    }

    java.time.Duration timeout() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9]\\d{0,6})(ms|s|m)").matcher(timeout);
        if (!m.matches()) {
            throw new IllegalArgumentException("--timeout: '" + timeout + "' (expected: a positive number and ms, s or m, e.g. 30s)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            default -> java.time.Duration.ofMinutes(n);
        };
    }

    /** "the controller at ADDR (from SOURCE)" and where the token came from, for error messages; never the token. */
    CallFailure.Target describeTarget() {
        try {
            ApiTargets.Target target = targets().resolve();
            return new CallFailure.Target(target.endpoint().target(), target.source(), target.tokenSource());
        } catch (RuntimeException e) {
            return new CallFailure.Target(controller != null ? controller : "?", "unresolved: " + e.getMessage(), null);
        }
    }
}

package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.LabState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code ./fleetnet} command line: labs, hosts, networks, machines, routes and certificates. */
@Command(name = "fleetnet", mixinStandardHelpOptions = true, version = "fleetnet 0.1.0",
        description = "Networking for a microVM platform: fdaa:: mesh, machines, labs.",
        subcommands = {LabCommand.class, HostCommand.class, NetworkCommand.class, MachineCommand.class, RouteCommand.class,
            CertCommand.class, SshCommand.class})
public final class FleetnetCli {
    static final String DEFAULT_CONTROLLER = "127.0.0.1:7400";

    @Option(names = "--controller", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
            description = "Controller API address (default: $FLEETNET_CONTROLLER, else the running lab's, else "
                    + DEFAULT_CONTROLLER + ").")
    String controller;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of tables.")
    boolean json;

    @Option(names = "--lab-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where the lab keeps its state and logs (default: <repo>/.lab).")
    Path labDir;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns its exit code; output goes to {@code out}, one-line errors to {@code err}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new FleetnetCli());
        cli.setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + describe(e, commandLine));
            return e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE ? 3 : 1;
        });
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    Path labDir() {
        if (labDir != null) {
            return labDir;
        }
        return Path.of(System.getProperty("fleetnet.home", ".")).resolve(".lab");
    }

    /** --controller, else $FLEETNET_CONTROLLER, else the running lab's API, else the default. */
    String controllerAddress() {
        if (controller != null) {
            return controller;
        }
        String env = System.getenv("FLEETNET_CONTROLLER");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            LabState lab = LabState.load(labDir());
            if (lab != null) {
                return lab.apiAddress();
            }
        } catch (IOException | RuntimeException unreadable) {
            // fall through to the default
        }
        return DEFAULT_CONTROLLER;
    }

    FleetClient connect() {
        return FleetClient.connect(controllerAddress());
    }

    private static String describe(Exception e, CommandLine commandLine) {
        if (e instanceof StatusRuntimeException s) {
            Status status = s.getStatus();
            if (status.getCode() == Status.Code.UNAVAILABLE) {
                FleetnetCli root = commandLine.getCommandSpec().root().commandLine().getCommand();
                return "cannot reach the controller at " + root.controllerAddress()
                        + " (is it running? start a lab with `./fleetnet lab up`, or pass --controller HOST:PORT)";
            }
            String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
            return status.getCode() + ": " + description;
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}

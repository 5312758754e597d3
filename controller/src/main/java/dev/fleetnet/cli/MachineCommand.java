package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.netns.NamespaceExec;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.HostApplied;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.ListMachinesResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.OpenConsoleRequest;
import dev.fleetnet.proto.v1.OpenConsoleResponse;
import dev.fleetnet.proto.v1.SetMachinePortsRequest;
import dev.fleetnet.proto.v1.SshMode;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet machine create|list|get|start|stop|delete|exec|ports|console}. */
@Command(name = "machine", description = "Machines: each gets an fdaa:: address reachable from every host.",
        subcommands = {MachineCommand.Create.class, MachineCommand.List.class, MachineCommand.Get.class,
            MachineCommand.Start.class, MachineCommand.Stop.class, MachineCommand.Delete.class, MachineCommand.Exec.class,
            MachineCommand.SetPorts.class, MachineCommand.Console.class})
final class MachineCommand {
    @ParentCommand
    FleetnetCli root;

    /** Shared plumbing of the subcommands. */
    abstract static class Sub {
        @ParentCommand
        MachineCommand parent;
        @Spec
        CommandSpec spec;

        void print(Machine machine) {
            spec.commandLine().getOut().print(parent.root.json ? Views.json(machine) + "\n" : Views.machine(machine));
        }
    }

    @Command(name = "create", description = "Create (and start) a machine on a host.")
    static final class Create extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--host", required = true, description = "Host to place it on.")
        String host;
        @Option(names = "--network", description = "Network (default: default).")
        String network = "";
        @Option(names = "--backend", description = "netns (a namespace is the machine) or tap (for a VMM). Default: netns.")
        String backend = "netns";
        @Option(names = {"--port", "-p"}, description = "Exposed port (repeatable).")
        java.util.List<Integer> ports = new ArrayList<>();
        @Option(names = "--stopped", description = "Create it stopped.")
        boolean stopped;
        @Option(names = "--app", description = "App it belongs to ({app}.{suffix} balances across the app's machines).")
        String app = "";
        @Option(names = "--ssh", description = "How ssh MACHINE@HOST reaches it: default (netns: a shell in its namespace; "
                + "tap: relay) or relay (to the machine's own sshd on port 22; see ssh guest-config).")
        String ssh = "default";

        @Override
        public void run() {
            Backend parsed = switch (backend) {
                case "netns" -> Backend.BACKEND_NETNS;
                case "tap" -> Backend.BACKEND_TAP;
                default -> throw new IllegalArgumentException("--backend: '" + backend + "' (expected: netns or tap)");
            };
            SshMode sshMode = switch (ssh) {
                case "default" -> SshMode.SSH_MODE_DEFAULT;
                case "relay" -> SshMode.SSH_MODE_RELAY;
                default -> throw new IllegalArgumentException("--ssh: '" + ssh + "' (expected: default or relay)");
            };
            try (FleetClient client = parent.root.connect()) {
                print(client.machines().createMachine(CreateMachineRequest.newBuilder().setName(name).setHost(host)
                        .setNetwork(network).setBackend(parsed).addAllPorts(ports).setStopped(stopped).setApp(app).setSsh(sshMode)
                        .build()));
            }
        }
    }

    @Command(name = "list", description = "List machines.")
    static final class List extends Sub implements Runnable {
        @Option(names = "--host", description = "Only machines on this host.")
        String host = "";
        @Option(names = "--network", description = "Only machines in this network.")
        String network = "";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListMachinesResponse response = client.machines().listMachines(
                        ListMachinesRequest.newBuilder().setHost(host).setNetwork(network).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n"
                        : Views.machines(response.getMachinesList()));
            }
        }
    }

    @Command(name = "get", description = "Show one machine.")
    static final class Get extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                print(client.machines().getMachine(GetMachineRequest.newBuilder().setName(name).build()));
            }
        }
    }

    @Command(name = "start", description = "Start a stopped machine.")
    static final class Start extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                print(client.machines().startMachine(StartMachineRequest.newBuilder().setName(name).build()));
            }
        }
    }

    /** Exit status of {@code machine stop} when the stop is recorded but its host did not confirm applying it. */
    static final int NOT_CONFIRMED = 4;

    @Command(name = "stop", description = "Stop a machine: its address stops answering. Waits for its host to apply the"
            + " stop; exit status " + NOT_CONFIRMED + " when the host did not confirm it (timed out or disconnected).")
    static final class Stop extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Machine machine;
            try (FleetClient client = parent.root.connect()) {
                machine = client.machines().stopMachine(StopMachineRequest.newBuilder().setName(name).build());
            }
            print(machine);
            HostApplied applied = machine.getHostApplied();
            String host = "host '" + machine.getHost() + "'";
            String expected = "expected: revision " + applied.getRevision() + " or later";
            String stopped = "machine '" + machine.getName() + "' is stopped in the fleet, but ";
            switch (applied.getOutcome()) {
                case OUTCOME_APPLIED -> {
                    if (!parent.root.json) {
                        spec.commandLine().getOut().println("stop applied by " + host + " (revision " + applied.getHostRevision()
                                + ", after " + seconds(applied.getWaitedMillis()) + ")");
                    }
                    return 0;
                }
                case OUTCOME_TIMED_OUT -> spec.commandLine().getErr().println("error: " + stopped + host + " did not confirm"
                        + " applying the stop within " + seconds(applied.getWaitedMillis()) + " (it acknowledged revision "
                        + applied.getHostRevision() + "; " + expected + "); until it does, the machine may still be reachable there");
                case OUTCOME_HOST_DISCONNECTED -> spec.commandLine().getErr().println("error: " + stopped + host + " is"
                        + " disconnected (it last acknowledged revision " + applied.getHostRevision() + "; " + expected
                        + "): the stop applies when it reconnects; until then the machine may still run there");
                case OUTCOME_UNSPECIFIED, UNRECOGNIZED -> spec.commandLine().getErr().println("error: " + stopped + "the controller"
                        + " did not say whether " + host + " applied the stop (outcome " + applied.getOutcomeValue()
                        + "; expected: applied, timed out or host disconnected; is the controller older than this CLI?)");
            }
            return NOT_CONFIRMED;
        }

        private static String seconds(long millis) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
    }

    @Command(name = "delete", description = "Delete a machine and everything it owned.")
    static final class Delete extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                client.machines().deleteMachine(DeleteMachineRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().print(parent.root.json ? "{\"deleted\": \"" + name + "\"}\n" : "deleted " + name + "\n");
            }
        }
    }

    @Command(name = "ports", description = "Replace the exposed ports: ports NAME -p 8080 -p 9000 (none: no ports).")
    static final class SetPorts extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = {"--port", "-p"}, description = "Exposed port (repeatable).")
        java.util.List<Integer> ports = new ArrayList<>();

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                print(client.machines().setMachinePorts(SetMachinePortsRequest.newBuilder().setName(name).addAllPorts(ports).build()));
            }
        }
    }

    @Command(name = "exec", description = "Run a command inside a netns machine on this machine: exec NAME -- CMD...")
    static final class Exec extends Sub implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*")
        java.util.List<String> command;

        @Override
        public Integer call() throws Exception {
            Machine machine;
            try (FleetClient client = parent.root.connect()) {
                machine = client.machines().getMachine(GetMachineRequest.newBuilder().setName(name).build());
            }
            if (machine.getBackend() != Backend.BACKEND_NETNS) {
                throw new IllegalArgumentException("machine '" + name + "' has backend " + machine.getBackend()
                        + " (expected: BACKEND_NETNS; exec into a tap machine through its VMM)");
            }
            if (machine.getNetns().isEmpty()) {
                throw new IllegalStateException("machine '" + name + "' has no namespace yet (state "
                        + Views.state(machine.getState()) + "; expected: running)");
            }
            return new ProcessBuilder(NamespaceExec.command(machine.getNetns(), command)).inheritIO().start().waitFor();
        }
    }

    @Command(name = "console", description = "Print a link to a terminal on the machine in the browser: HTTPS on any host's ingress, "
            + "usable once, for a short time.")
    static final class Console extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--ttl", defaultValue = "60s", paramLabel = "DURATION", description = "How long the link may be opened: 30s, 5m "
                + "(at most 10m). Default: ${DEFAULT-VALUE}.")
        String ttl;

        @Override
        public void run() {
            java.time.Duration lifetime = SshCommand.parseDuration(ttl);
            OpenConsoleResponse response;
            try (FleetClient client = parent.root.connect()) {
                response = client.consoles().openConsole(OpenConsoleRequest.newBuilder().setMachine(name)
                        .setTtlSeconds(lifetime.toSeconds()).build());
            }
            java.io.PrintWriter out = spec.commandLine().getOut();
            if (parent.root.json) {
                out.println(Views.json(response));
                return;
            }
            out.println(response.getUrl());
            out.println("opens one terminal session on machine " + response.getMachine() + "; valid until "
                    + java.time.Instant.ofEpochSecond(response.getExpiresEpochSeconds()) + ", once");
        }
    }
}

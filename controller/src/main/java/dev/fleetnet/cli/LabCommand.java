package dev.fleetnet.cli;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.lab.Lab;
import dev.fleetnet.lab.LabConfig;
import dev.fleetnet.lab.LabLayout;
import dev.fleetnet.lab.LabState;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.Machine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet lab up|down|status}: a multi-host lab of namespaces on this machine. */
@Command(name = "lab", description = "A local multi-host lab: etcd, a controller and N agents in namespaces.",
        subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class})
final class LabCommand {
    static final String DEFAULT_PREFIX = "fl";

    @ParentCommand
    FleetnetCli root;

    LabConfig config(String prefix, int hosts, boolean demo, List<String> dnsUpstreams) {
        Path home = Path.of(System.getProperty("fleetnet.home", "."));
        return new LabConfig(root.labDir(), home, prefix, hosts, demo, "30s", dnsUpstreams);
    }

    @Command(name = "up", description = "Start a lab and create two demo machines per host.")
    static final class Up implements Callable<Integer> {
        @ParentCommand
        LabCommand parent;
        @Spec
        CommandSpec spec;
        @Option(names = "--hosts", description = "Number of hosts (default: ${DEFAULT-VALUE}).", defaultValue = "3")
        int hosts;
        @Option(names = "--prefix", description = "Prefix of every namespace and link it makes (default: ${DEFAULT-VALUE}).",
                defaultValue = DEFAULT_PREFIX)
        String prefix;
        @Option(names = "--no-demo", description = "Do not create the demo machines.")
        boolean noDemo;
        @Option(names = "--dns-upstream", paramLabel = "[ADDR]:PORT",
                description = "Resolver the hosts' DNS (fdaa::3) forwards other zones to (repeatable; none: other zones are refused).")
        List<String> dnsUpstreams = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            LabConfig config = parent.config(prefix, hosts, !noDemo, dnsUpstreams);
            out.println("starting a " + hosts + "-host lab (prefix '" + prefix + "', state in " + config.dir() + ")...");
            out.flush();
            Lab lab = Lab.up(config, LabNetworking.create());
            List<Machine> machines = lab.machines();
            try (FleetClient client = lab.client()) {
                out.print(Views.hosts(client.hosts().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList()));
            }
            out.println();
            out.print(Views.machines(machines));
            out.println();
            out.println("controller API: " + lab.state().apiAddress() + " (gRPC), https://" + lab.state().restAddress()
                    + "/v1/ (REST)   logs: " + config.dir());
            out.println("admin API token: " + lab.adminTokenFile() + " (owner-only), API CA: " + lab.apiCaFile()
                    + "; this CLI uses them while no context is current");
            if (machines.size() >= 2) {
                Machine from = machines.get(0);
                Machine to = machines.get(machines.size() - 1);
                out.println("try:");
                out.println("  ./fleetnet machine exec " + from.getName() + " -- ping -c3 " + to.getAddress());
                out.println("  ./fleetnet machine create web --host " + to.getHost() + " --port 8080");
                out.println("  ip netns exec " + lab.layout().hostNamespace(1) + " wg show " + lab.layout().meshInterface(1));
                out.println("  ./fleetnet lab down");
            }
            return 0;
        }
    }

    @Command(name = "down", description = "Stop every lab process and remove every namespace and link it made.")
    static final class Down implements Callable<Integer> {
        @ParentCommand
        LabCommand parent;
        @Spec
        CommandSpec spec;
        @Option(names = "--prefix", description = "Prefix to clean up when no lab state is recorded (default: ${DEFAULT-VALUE}).",
                defaultValue = DEFAULT_PREFIX)
        String prefix;

        @Override
        public Integer call() throws Exception {
            LinuxNetworking net = LabNetworking.create();
            Lab lab = Lab.attach(parent.config(prefix, 1, false, List.of()), net);
            if (lab == null) {
                Lab.removeNamespaces(net, new LabLayout(prefix, 1));
                spec.commandLine().getOut().println("no lab recorded in " + parent.root.labDir()
                        + "; removed any namespaces named '" + prefix + "-*'");
                return 0;
            }
            lab.down();
            spec.commandLine().getOut().println("lab '" + lab.layout().prefix() + "' is down");
            return 0;
        }
    }

    @Command(name = "status", description = "Show the lab's processes, hosts and machines.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        LabCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path dir = parent.root.labDir();
            LabState state = LabState.load(dir);
            if (state == null) {
                out.println("no lab running (nothing recorded in " + parent.root.labDir() + "); start one with ./fleetnet lab up");
                return 1;
            }
            try (FleetClient client = FleetClient.connect(ApiEndpoint.of(state.apiAddress(), LabState.apiCaFile(dir),
                    LabState.adminTokenFile(dir)))) {
                var hosts = client.hosts().listHosts(ListHostsRequest.getDefaultInstance());
                var machines = client.machines().listMachines(ListMachinesRequest.getDefaultInstance());
                if (parent.root.json) {
                    com.google.gson.JsonObject lab = new com.google.gson.JsonObject();
                    lab.addProperty("prefix", state.prefix());
                    lab.addProperty("hosts", state.hosts());
                    lab.addProperty("api", state.apiAddress());
                    lab.addProperty("rest", state.restAddress());
                    com.google.gson.JsonObject pids = new com.google.gson.JsonObject();
                    state.pids().forEach((role, pid) -> pids.addProperty(role, pid));
                    lab.add("pids", pids);
                    lab.add("host_list", com.google.gson.JsonParser.parseString(Views.json(hosts)));
                    lab.add("machine_list", com.google.gson.JsonParser.parseString(Views.json(machines)));
                    out.println(lab);
                    return 0;
                }
                Table processes = new Table("PROCESS", "PID", "ALIVE");
                state.pids().forEach((role, pid) -> processes.row(role, pid,
                        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? "yes" : "no"));
                out.println("lab '" + state.prefix() + "', " + state.hosts() + " hosts, controller API " + state.apiAddress()
                        + ", REST https://" + state.restAddress() + "/v1/");
                out.print(processes.render());
                out.println();
                out.print(Views.hosts(hosts.getHostsList()));
                out.println();
                out.print(Views.machines(machines.getMachinesList()));
            }
            return 0;
        }
    }
}

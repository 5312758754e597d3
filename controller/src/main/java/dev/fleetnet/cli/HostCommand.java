package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fleetnet host list|get}. */
@Command(name = "host", description = "Hosts that run an agent.", subcommands = {HostCommand.List.class, HostCommand.Get.class})
final class HostCommand {
    @ParentCommand
    FleetnetCli root;

    @Command(name = "list", description = "List hosts.")
    static final class List implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListHostsResponse response = client.hosts().listHosts(ListHostsRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : Views.hosts(response.getHostsList()));
            }
        }
    }

    @Command(name = "get", description = "Show one host.")
    static final class Get implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                Host host = client.hosts().getHost(GetHostRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(host) + "\n" : Views.hosts(java.util.List.of(host)));
            }
        }
    }
}

package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.ListNetworksRequest;
import dev.fleetnet.proto.v1.ListNetworksResponse;
import dev.fleetnet.proto.v1.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet network create|list}. */
@Command(name = "network", description = "Networks: one fdaa:N:N::/48 each.",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.List.class})
final class NetworkCommand {
    @ParentCommand
    FleetnetCli root;

    @Command(name = "create", description = "Create a network.")
    static final class Create implements Runnable {
        @ParentCommand
        NetworkCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                Network network = client.networks().createNetwork(CreateNetworkRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(network) + "\n"
                        : Views.networks(java.util.List.of(network)));
            }
        }
    }

    @Command(name = "list", description = "List networks.")
    static final class List implements Runnable {
        @ParentCommand
        NetworkCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListNetworksResponse response = client.networks().listNetworks(ListNetworksRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n"
                        : Views.networks(response.getNetworksList()));
            }
        }
    }
}

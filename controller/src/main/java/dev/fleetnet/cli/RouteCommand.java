package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.GetRouteRequest;
import dev.fleetnet.proto.v1.ListRoutesRequest;
import dev.fleetnet.proto.v1.ListRoutesResponse;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.proto.v1.RouteStatsRequest;
import dev.fleetnet.proto.v1.RouteStatsResponse;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import dev.fleetnet.proto.v1.WhoOwnsResponse;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet route add|list|get|delete|who-owns|stats}: ingress routes owned by machines. */
@Command(name = "route", description = "Ingress routes: hostname (+ path prefix) to a machine or app, owned by a machine.",
        subcommands = {RouteCommand.Add.class, RouteCommand.List.class, RouteCommand.Get.class,
            RouteCommand.Delete.class, RouteCommand.WhoOwns.class, RouteCommand.Stats.class})
final class RouteCommand {
    @ParentCommand
    FleetnetCli root;

    /** Shared plumbing of the subcommands. */
    abstract static class Sub {
        @ParentCommand
        RouteCommand parent;
        @Spec
        CommandSpec spec;

        void print(Route route) {
            spec.commandLine().getOut().print(parent.root.json ? Views.json(route) + "\n" : Views.routes(java.util.List.of(route)));
        }
    }

    /** Exactly one of --machine or --app. */
    static final class Target {
        @Option(names = "--machine", required = true, description = "Target machine.")
        String machine;
        @Option(names = "--app", required = true, description = "Target app (balanced across its running machines).")
        String app;
    }

    @Command(name = "add", description = "Add a route: route add HOSTNAME|--public-port N --machine M|--app A --port P"
            + " [--protocol http|tls-passthrough|tcp] [--owner M] [--on-host H]... [--proxy-protocol] [--h2c].")
    static final class Add extends Sub implements Runnable {
        @Parameters(paramLabel = "HOSTNAME", arity = "0..1",
                description = "Exact (shop.example.com) or one-level wildcard (*.example.com); none for tcp routes.")
        String hostname = "";
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;
        @Option(names = "--port", required = true, description = "Target port (must be exposed by the machine).")
        int port;
        @Option(names = "--protocol", description = "http (default), tls-passthrough (TLS relayed by server name, not"
                + " terminated) or tcp (a public port of the hosts relayed to the machine).")
        String protocol = "http";
        @Option(names = "--public-port", description = "tcp routes: the port the hosts listen on.")
        int publicPort;
        @Option(names = "--on-host", description = "tcp routes: a host that listens (repeatable; default: every host).")
        java.util.List<String> hosts = new java.util.ArrayList<>();
        @Option(names = "--proxy-protocol", description = "tcp and tls-passthrough: send a PROXY v2 header with the client's address first.")
        boolean proxyProtocol;
        @Option(names = "--h2c", description = "http: speak HTTP/2 without TLS to the machine (gRPC servers).")
        boolean h2c;
        @Option(names = "--path", description = "Path prefix (default: /).")
        String path = "/";
        @Option(names = "--owner", description = "Owner machine (default: the target machine).")
        String owner = "";
        @Option(names = "--rewrite-host", description = "Send Host: localhost:PORT upstream.")
        boolean rewriteHost;
        @Option(names = "--max-body-bytes", description = "Request body limit for this route (default: the ingress's).")
        long maxBodyBytes;
        @Option(names = "--redirect-https", description = "Answer cleartext HTTP requests with 308 to the same URL over HTTPS.")
        boolean redirectHttps;

        @Override
        public void run() {
            RouteProtocol routeProtocol = Views.protocol(protocol);
            Route.Builder route = Route.newBuilder().setHostname(hostname).setPort(port).setProtocol(routeProtocol)
                    .setPublicPort(publicPort).addAllHosts(hosts).setProxyProtocol(proxyProtocol).setH2C(h2c)
                    .setOwner(owner).setRewriteHost(rewriteHost).setMaxBodyBytes(maxBodyBytes)
                    .setRedirectHttps(redirectHttps);
            if (routeProtocol == RouteProtocol.ROUTE_PROTOCOL_HTTP || !path.equals("/")) {
                route.setPathPrefix(path);
            }
            if (target.machine != null) {
                route.setMachine(target.machine);
            } else {
                route.setApp(target.app);
            }
            try (FleetClient client = parent.root.connect()) {
                print(client.routes().addRoute(AddRouteRequest.newBuilder().setRoute(route).build()));
            }
        }
    }

    /** HOSTNAME, or --public-port for a tcp route: as the API names a route (a tcp route's key is tcp/PORT). */
    static final class RouteName {
        @Parameters(paramLabel = "HOSTNAME", arity = "0..1")
        String hostname = "";
        @Option(names = "--public-port", description = "Instead of a hostname: the tcp route of this public port.")
        int publicPort;

        String hostname() {
            if (publicPort != 0 && !hostname.isEmpty()) {
                throw new IllegalArgumentException("HOSTNAME '" + hostname + "' and --public-port " + publicPort
                        + " (expected: one of them)");
            }
            if (publicPort == 0 && hostname.isEmpty()) {
                throw new IllegalArgumentException("route: none named (expected: HOSTNAME or --public-port N)");
            }
            return publicPort != 0 ? "tcp/" + publicPort : hostname;
        }
    }

    @Command(name = "list", description = "List routes.")
    static final class List extends Sub implements Runnable {
        @Option(names = "--owner", description = "Only routes owned by this machine.")
        String owner = "";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListRoutesResponse response = client.routes().listRoutes(ListRoutesRequest.newBuilder().setOwner(owner).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : Views.routes(response.getRoutesList()));
            }
        }
    }

    @Command(name = "get", description = "Show one route: route get HOSTNAME [--path P] | --public-port N.")
    static final class Get extends Sub implements Runnable {
        @picocli.CommandLine.Mixin
        RouteName name;
        @Option(names = "--path", description = "Path prefix (default: /).")
        String path = "/";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                print(client.routes().getRoute(GetRouteRequest.newBuilder().setHostname(name.hostname()).setPathPrefix(path)
                        .build()));
            }
        }
    }

    @Command(name = "delete", description = "Delete a route: route delete HOSTNAME [--path P] | --public-port N.")
    static final class Delete extends Sub implements Runnable {
        @picocli.CommandLine.Mixin
        RouteName name;
        @Option(names = "--path", description = "Path prefix (default: /).")
        String path = "/";

        @Override
        public void run() {
            String hostname = name.hostname();
            String deleted = name.publicPort != 0 ? hostname : hostname + path;
            try (FleetClient client = parent.root.connect()) {
                client.routes().deleteRoute(DeleteRouteRequest.newBuilder().setHostname(hostname).setPathPrefix(path).build());
                spec.commandLine().getOut().println(parent.root.json ? "{\"deleted\": \"" + deleted + "\"}"
                        : "deleted " + deleted);
            }
        }
    }

    @Command(name = "who-owns", description = "Which machine owns the route serving HOSTNAME (and path), or --public-port N.")
    static final class WhoOwns extends Sub implements Runnable {
        @Parameters(paramLabel = "HOSTNAME", arity = "0..1")
        String hostname = "";
        @Option(names = "--public-port", description = "Instead of a hostname: which tcp route owns this public port.")
        int publicPort;
        @Option(names = "--path", description = "Request path (default: /).")
        String path = "/";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                WhoOwnsResponse response = client.routes().whoOwns(
                        WhoOwnsRequest.newBuilder().setHostname(hostname).setPath(path).setPublicPort(publicPort).build());
                String asked = publicPort != 0 ? "public port " + publicPort : hostname + path;
                if (parent.root.json) {
                    spec.commandLine().getOut().println(Views.json(response));
                } else if (response.getKind().equals("none")) {
                    spec.commandLine().getOut().println("no route serves " + asked);
                } else {
                    spec.commandLine().getOut().println(response.getOwner() + " (" + response.getKind() + " route "
                            + Views.name(response.getRoute()) + " -> "
                            + Views.target(response.getRoute()) + ":" + response.getRoute().getPort() + "; port "
                            + response.getPort() + (response.getPortListening() ? " listening" : " not listening") + ")");
                }
            }
        }
    }

    @Command(name = "stats", description = "Live figures of a route from every host's ingress: route stats HOSTNAME [--path P] | --public-port N.")
    static final class Stats extends Sub implements Runnable {
        @Parameters(paramLabel = "HOSTNAME", arity = "0..1", description = "A hostname the route serves (not with --public-port).")
        String hostname;
        @Option(names = "--path", description = "Request path (default: /).")
        String path = "/";
        @Option(names = "--public-port", description = "The TCP route of this public port, instead of a hostname.")
        int publicPort;

        @Override
        public void run() {
            if ((hostname == null) == (publicPort == 0)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "route stats: give a HOSTNAME or --public-port N (expected: exactly one)");
            }
            try (FleetClient client = parent.root.connect()) {
                RouteStatsResponse response = client.routes().routeStats(RouteStatsRequest.newBuilder()
                        .setHostname(hostname == null ? "" : hostname).setPath(path).setPublicPort(publicPort).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : Views.routeStats(response));
            }
        }
    }
}

package dev.fleetnet.netns;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fleetnet-netns}: the operator's view of what fleetnet made on this host. */
@Command(name = "fleetnet-netns", mixinStandardHelpOptions = true,
        description = "Inspect and manage the namespaces and links fleetnet uses.",
        subcommands = {NetnsHelperMain.Ns.class, NetnsHelperMain.LinkList.class, NetnsHelperMain.AddrList.class,
            NetnsHelperMain.RouteList.class, NetnsHelperMain.Pids.class})
public final class NetnsHelperMain {
    static LinuxNetworking net = IpRouteNetworking.inOwnNamespace();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new NetnsHelperMain());
        cli.setExecutionExceptionHandler((e, commandLine, parse) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Command(name = "ns", description = "Namespaces: ns list | ns add NAME | ns del NAME.")
    static final class Ns implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "list|add|del")
        String action;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            switch (action) {
                case "list" -> net.namespaces().forEach(System.out::println);
                case "add" -> net.createNamespace(required());
                case "del" -> net.deleteNamespace(required());
                default -> throw new IllegalArgumentException("action: '" + action + "' (expected: list, add or del)");
            }
            return 0;
        }

        private String required() {
            if (name == null) {
                throw new IllegalArgumentException("NAME: missing (expected: ns " + action + " NAME)");
            }
            return name;
        }
    }

    @Command(name = "link", description = "List links: link list [--netns NS].")
    static final class LinkList implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "list")
        String action;
        @Option(names = "--netns")
        String namespace;

        @Override
        public Integer call() {
            for (LinuxNetworking.Link l : net.links(namespace)) {
                System.out.printf("%-16s %-8s %s%n", l.name(), l.kind().isEmpty() ? "-" : l.kind(), l.up() ? "up" : "down");
            }
            return 0;
        }
    }

    @Command(name = "addr", description = "List addresses: addr list [--netns NS] LINK.")
    static final class AddrList implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "list")
        String action;
        @Parameters(index = "1", paramLabel = "LINK")
        String link;
        @Option(names = "--netns")
        String namespace;

        @Override
        public Integer call() {
            net.addresses(namespace, link).forEach(System.out::println);
            return 0;
        }
    }

    @Command(name = "route", description = "List IPv6 routes: route list [--netns NS].")
    static final class RouteList implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "list")
        String action;
        @Option(names = "--netns")
        String namespace;

        @Override
        public Integer call() {
            for (LinuxNetworking.Route r : net.routes(namespace)) {
                System.out.println(r.destination() + (r.via() == null ? "" : " via " + r.via()) + " dev " + r.device());
            }
            return 0;
        }
    }

    @Command(name = "pids", description = "Processes inside a namespace: pids NS.")
    static final class Pids implements Callable<Integer> {
        @Parameters(paramLabel = "NS")
        String namespace;

        @Override
        public Integer call() {
            List<Integer> pids = net.processes(namespace);
            pids.forEach(System.out::println);
            return 0;
        }
    }
}

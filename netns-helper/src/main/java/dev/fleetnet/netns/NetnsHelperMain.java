package dev.fleetnet.netns;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code fleetnet-netns}: the operator's view of the namespaces, links, addresses and routes on
 * this host. Errors are one line on stderr: exit 2 for a wrong command line, 1 for a failure.
 */
@Command(name = "fleetnet-netns", mixinStandardHelpOptions = true,
        description = "Inspect and manage the network namespaces and links fleetnet uses.",
        subcommands = {NetnsHelperMain.Ns.class, NetnsHelperMain.Links.class, NetnsHelperMain.Addrs.class,
            NetnsHelperMain.Routes.class, NetnsHelperMain.Pids.class})
public final class NetnsHelperMain implements Runnable {
    private final LinuxNetworking net;
    private final PrintWriter out;
    @Spec
    CommandSpec spec;

    NetnsHelperMain(LinuxNetworking net, PrintWriter out) {
        this.net = net;
        this.out = out;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(IpRouteNetworking.inOwnNamespace(), out, err, args));
    }

    /** Runs one command line against {@code net}; returns the exit code. */
    static int run(LinuxNetworking net, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new NetnsHelperMain(net, out)).setOut(out).setErr(err);
        cli.setParameterExceptionHandler((e, ignored) -> {
            err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            err.println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw missing(spec, "ns, link, addr, route or pids");
    }

    private static ParameterException missing(CommandSpec spec, String expected) {
        return new ParameterException(spec.commandLine(), "missing subcommand (expected: " + expected + ")");
    }

    @Command(name = "ns", description = "Named network namespaces.")
    static final class Ns implements Runnable {
        @ParentCommand
        NetnsHelperMain main;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw missing(spec, "list, add NAME or del NAME");
        }

        @Command(name = "list", description = "List named namespaces.")
        void list() {
            main.net.namespaces().forEach(main.out::println);
        }

        @Command(name = "add", description = "Create a namespace (nothing happens if it exists).")
        void add(@Parameters(paramLabel = "NAME") String name) {
            main.net.createNamespace(name);
        }

        @Command(name = "del", description = "Kill what runs inside, then delete the namespace (nothing happens if it is gone).")
        void del(@Parameters(paramLabel = "NAME") String name) {
            main.net.deleteNamespace(name);
        }
    }

    @Command(name = "link", description = "Network interfaces.")
    static final class Links implements Runnable {
        @ParentCommand
        NetnsHelperMain main;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw missing(spec, "list");
        }

        @Command(name = "list", description = "List links: name, kind, up/down, bridge.")
        void list(@Option(names = "--netns", paramLabel = "NS", description = "Namespace (default: this one).") String namespace) {
            for (LinuxNetworking.Link l : main.net.links(namespace)) {
                String line = String.format("%-16s %-8s %-4s %s", l.name(), l.kind().isEmpty() ? "-" : l.kind(),
                        l.up() ? "up" : "down", l.master() == null ? "" : "master " + l.master());
                main.out.println(line.stripTrailing());
            }
        }
    }

    @Command(name = "addr", description = "Addresses on a link.")
    static final class Addrs implements Runnable {
        @ParentCommand
        NetnsHelperMain main;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw missing(spec, "list [--netns NS] LINK");
        }

        @Command(name = "list", description = "List a link's addresses in CIDR form.")
        void list(@Option(names = "--netns", paramLabel = "NS", description = "Namespace (default: this one).") String namespace,
                @Parameters(paramLabel = "LINK") String link) {
            main.net.addresses(namespace, link).forEach(main.out::println);
        }
    }

    @Command(name = "route", description = "IPv6 routes of the main table.")
    static final class Routes implements Runnable {
        @ParentCommand
        NetnsHelperMain main;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw missing(spec, "list [--netns NS]");
        }

        @Command(name = "list", description = "List routes: destination, gateway, device.")
        void list(@Option(names = "--netns", paramLabel = "NS", description = "Namespace (default: this one).") String namespace) {
            for (LinuxNetworking.Route r : main.net.routes(namespace)) {
                main.out.println(r.destination() + (r.via() == null ? "" : " via " + r.via())
                        + (r.device() == null ? "" : " dev " + r.device()));
            }
        }
    }

    @Command(name = "pids", description = "Process ids running inside a namespace.")
    static final class Pids implements Runnable {
        @ParentCommand
        NetnsHelperMain main;
        @Parameters(paramLabel = "NS")
        String namespace;

        @Override
        public void run() {
            main.net.processes(namespace).forEach(main.out::println);
        }
    }
}

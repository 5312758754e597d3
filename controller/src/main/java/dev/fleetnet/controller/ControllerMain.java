package dev.fleetnet.controller;

import dev.fleetnet.core.Endpoints;
import dev.fleetnet.core.JoinTokens;
import java.net.InetSocketAddress;
import java.nio.file.Path;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fleetnet-controller}: flags in, a running controller out. Configuration is read only here. */
@Command(name = "fleetnet-controller", mixinStandardHelpOptions = true,
        description = "The fleetnet controller: public API, desired state in etcd, views streamed to agents.")
public final class ControllerMain implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:7400", description = "API address (default: ${DEFAULT-VALUE}).")
    String listen;
    @Option(names = "--agent-listen", defaultValue = "[::]:7401", description = "Agent channel address (default: ${DEFAULT-VALUE}).")
    String agentListen;
    @Option(names = "--agent-listen-netns", description = "Bind the agent channel inside this named network namespace.")
    String agentListenNetns;
    @Option(names = "--etcd-endpoints", split = ",", description = "etcd endpoints; none = start an embedded etcd.")
    List<String> etcdEndpoints = List.of();
    @Option(names = "--data-dir", defaultValue = "/var/lib/fleetnet/controller", description = "Embedded etcd data (default: ${DEFAULT-VALUE}).")
    Path dataDir;
    @Option(names = "--join-token", description = "Shared secret agents must present.")
    String joinToken;
    @Option(names = "--join-token-file", description = "File holding the join token.")
    Path joinTokenFile;
    @Option(names = "--ingress-suffix", defaultValue = "fleet.internal", description = "Suffix of implicit ingress hostnames (default: ${DEFAULT-VALUE}).")
    String ingressSuffix;
    @Option(names = "--ingress-default-port", defaultValue = "8080", description = "Port of {machine}.{suffix} (default: ${DEFAULT-VALUE}).")
    int ingressDefaultPort;
    @Option(names = "--key-prefix", defaultValue = "/fleetnet/v1/", description = "etcd key prefix (default: ${DEFAULT-VALUE}).")
    String keyPrefix;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new ControllerMain());
        cli.setExecutionExceptionHandler((e, commandLine, parse) -> {
            commandLine.getErr().println("fleetnet-controller: " + describe(e));
            return 2;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("fleetnet-controller: " + e.getMessage() + " (see --help)");
            return 2;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ControllerConfig config = new ControllerConfig(Endpoints.literal("--listen", listen), Endpoints.literal("--agent-listen", agentListen),
                agentListenNetns, etcdEndpoints, dataDir, JoinTokens.read(joinToken, joinTokenFile), keyPrefix,
                new dev.fleetnet.routing.IngressNaming(ingressSuffix, ingressDefaultPort));
        Controller controller = Controller.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            stopped.countDown();
        }));
        System.out.println("fleetnet controller ready: API " + format(controller.apiAddress()) + ", agents "
                + format(controller.agentAddress()) + (agentListenNetns == null ? "" : " (in netns " + agentListenNetns + ")")
                + ", etcd " + (etcdEndpoints.isEmpty() ? "embedded in " + dataDir : String.join(",", etcdEndpoints)));
        stopped.await();
        return 0;
    }

    private static String format(InetSocketAddress address) {
        return Endpoints.format(address.getAddress().getHostAddress(), address.getPort());
    }

    /** One line for people: the message, and the root cause when it adds something (e.g. "Address already in use"). */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == e || message.contains(cause) ? message : message + ": " + cause;
    }

}

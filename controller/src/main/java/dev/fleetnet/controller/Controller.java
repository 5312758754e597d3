package dev.fleetnet.controller;

import dev.fleetnet.controller.acme.AcmeService;
import dev.fleetnet.controller.api.HostApi;
import dev.fleetnet.controller.api.MachineApi;
import dev.fleetnet.controller.api.NetworkApi;
import dev.fleetnet.controller.api.RouteApi;
import dev.fleetnet.controller.auth.AdminToken;
import dev.fleetnet.controller.auth.ApiAuthInterceptor;
import dev.fleetnet.controller.auth.ApiMethods;
import dev.fleetnet.controller.auth.ApiTls;
import dev.fleetnet.controller.auth.ApiTokenApi;
import dev.fleetnet.controller.auth.ApiTokenStore;
import dev.fleetnet.controller.certs.RenewingCertificate;
import dev.fleetnet.controller.rest.RestServer;
import dev.fleetnet.controller.certs.CertificateApi;
import dev.fleetnet.controller.certs.CertificateStore;
import dev.fleetnet.controller.certs.FleetCa;
import dev.fleetnet.controller.certs.FleetCertificates;
import dev.fleetnet.controller.console.ConsoleApi;
import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.control.AgentControlService;
import dev.fleetnet.controller.control.RouteCountersBoard;
import dev.fleetnet.controller.identity.AgentListenerTls;
import dev.fleetnet.controller.identity.HostAuthInterceptor;
import dev.fleetnet.controller.identity.HostAuthenticator;
import dev.fleetnet.controller.identity.HostCa;
import dev.fleetnet.controller.identity.HostIdentities;
import dev.fleetnet.controller.identity.HostIdentityApi;
import dev.fleetnet.controller.identity.IdentityStore;
import dev.fleetnet.controller.identity.JoinService;
import dev.fleetnet.controller.ssh.FleetSshCa;
import dev.fleetnet.controller.ssh.SshApi;
import dev.fleetnet.controller.ssh.SshStore;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.netns.NamespaceRunner;
import io.etcd.jetcd.Client;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running controller: etcd client, fleet watcher, the fleet CA and its certificate manager,
 * the host CA and host identities, the public API (gRPC and REST, TLS and bearer tokens) and the agent
 * channel (mutual TLS).
 */
public final class Controller implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Controller.class);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Server api;
    private Server agents;
    private RestServer rest;
    private ApiTls tls;
    private Path apiCaPath;
    private Optional<Path> adminTokenFile = Optional.empty();

    private Controller() {}

    public static Controller start(ControllerConfig config) throws Exception {
        Controller controller = new Controller();
        try {
            controller.startAll(config);
            return controller;
        } catch (Exception e) {
            controller.close();
            throw e;
        }
    }

    private void startAll(ControllerConfig config) throws Exception {
        apiCaPath = config.api().caFile();
        List<String> endpoints = config.etcdEndpoints();
        if (endpoints.isEmpty()) {
            EmbeddedEtcd etcd = EmbeddedEtcd.start(config.dataDir());
            resources.add(etcd);
            endpoints = List.of(etcd.endpoint());
        }
        Client client = EtcdClients.build(endpoints, config.etcdSecurity());
        resources.add(0, client);
        FleetStore store = new FleetStore(client, new Keys(config.keyPrefix()));
        try {
            store.ensureDefaultNetwork();
        } catch (FleetException e) {
            if (e.kind() != FleetException.Kind.UNAVAILABLE) {
                throw e;
            }
            String message = e.getMessage();
            if (message.contains("UNAUTHENTICATED") || message.contains("PERMISSION_DENIED") || message.contains("authentication failed")) {
                throw new IllegalStateException("etcd at " + String.join(",", endpoints) + " refused the controller's credentials"
                        + " (expected: an --etcd-user and --etcd-password-file, or an --etcd-cert, that etcd accepts; etcd said: "
                        + message + ")", e);
            }
            throw new IllegalStateException("etcd at " + String.join(",", endpoints) + " did not answer (expected: a running etcd; "
                    + message + ")", e);
        }
        CertificateStore certificates = new CertificateStore(client, store.keys());
        FleetCa ca = FleetCa.loadOrCreate(certificates, Clock.systemUTC());
        SshStore sshStore = new SshStore(client, store.keys());
        FleetSshCa sshCa = FleetSshCa.loadOrCreate(sshStore, Clock.systemUTC());
        IdentityStore identityStore = new IdentityStore(client, store.keys());
        HostCa hostCa = HostCa.loadOrCreate(identityStore, Clock.systemUTC());
        HostIdentities identities = new HostIdentities(identityStore, hostCa, Clock.systemUTC());
        List<String> agentNames = agentTlsNames(config);
        RenewingCertificate serving = new RenewingCertificate("agent channel certificate (host CA)",
                (key, now) -> hostCa.issueController(agentNames, key, now), Clock.systemUTC());
        ScheduledExecutorService upkeep = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "controller-upkeep");
            t.setDaemon(true);
            return t;
        });
        resources.add(upkeep::shutdownNow);
        hourly(upkeep, "agent channel certificate renewal", serving::renewIfDue);
        hourly(upkeep, "identity sweep", identities::sweep);
        ConsoleStore consoles = new ConsoleStore(client, store.keys());
        if (config.acme() != null) {
            AcmeService acme = new AcmeService(client, store.keys(), config.naming().suffix(), config.acme());
            acme.start();
            resources.add(0, acme);
        }
        FleetWatcher watcher = new FleetWatcher(client, store.keys());
        watcher.start();
        resources.add(0, watcher);
        FleetCertificates fleetCertificates = new FleetCertificates(certificates, store.routes(), ca,
                new FleetCertificates.Config(config.naming().suffix(), Duration.ofHours(1), Clock.systemUTC()));
        fleetCertificates.start(watcher);
        resources.add(0, fleetCertificates);
        ExecutorService blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "controller-etcd");
            t.setDaemon(true);
            return t;
        });
        resources.add(0, () -> { // after the servers: lets ending sessions delete their keys and revoke their leases
            blocking.shutdown();
            if (!blocking.awaitTermination(5, TimeUnit.SECONDS)) {
                blocking.shutdownNow();
            }
        });
        RouteCountersBoard routeCounters = new RouteCountersBoard();
        String controllerId = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        startPublicApi(config, client, store, certificates, ca, sshStore, sshCa, routeCounters, consoles, identities);
        every(upkeep, tls.refreshInterval(), "API certificate renewal or reload", tls::refresh);
        // Mutual TLS: Join is the one call without a client certificate; the interceptor gates every other
        NettyServerBuilder agentBuilder = NettyServerBuilder.forAddress(config.agentListen())
                .sslContext(AgentListenerTls.serverContext(serving.keyManager()))
                .addService(new AgentControlService(store, watcher, client.getLeaseClient(), controllerId, blocking,
                        routeCounters, sshCa, identities, consoles, config.naming().suffix()))
                .addService(new JoinService(identities))
                .intercept(new HostAuthInterceptor(new HostAuthenticator(identityStore, hostCa, Clock.systemUTC())))
                .permitKeepAliveTime(10, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
        if (config.agentListenNetns() == null) {
            agents = agentBuilder.build().start();
        } else {
            NamespaceRunner runner = new NamespaceRunner();
            resources.add(runner);
            runner.call(config.agentListenNetns(), () -> null); // fails here, with a clear reason, if the namespace is missing
            MultiThreadIoEventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            MultiThreadIoEventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
            resources.add(() -> workers.shutdownGracefully());
            resources.add(() -> boss.shutdownGracefully());
            agents = agentBuilder.channelFactory(new NamespacedServerChannels(runner, config.agentListenNetns()))
                    .bossEventLoopGroup(boss).workerEventLoopGroup(workers).build().start();
        }
    }

    /** Runs {@code task} every hour from a minute on; a failure is logged and the next hour tries again. */
    private static void hourly(ScheduledExecutorService upkeep, String what, Runnable task) {
        every(upkeep, Duration.ofHours(1), what, task);
    }

    /** Runs {@code task} every {@code period} (the first time within a minute); a failure is logged and the next run tries again. */
    private static void every(ScheduledExecutorService upkeep, Duration period, String what, Runnable task) {
        long seconds = period.toSeconds();
        upkeep.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("{} failed, trying again in {}: {}", what, period, e.toString());
            }
        }, Math.min(60, seconds), seconds, TimeUnit.SECONDS);
    }

    /**
     * The names in the agent channel's certificate: as configured, else the listen address, else
     * (a wildcard in this namespace) every address of this machine and {@code localhost}.
     */
    static List<String> agentTlsNames(ControllerConfig config) throws java.net.SocketException {
        if (!config.agentTlsNames().isEmpty()) {
            return config.agentTlsNames();
        }
        java.net.InetAddress listen = config.agentListen().getAddress();
        if (!listen.isAnyLocalAddress()) {
            return List.of(literal(listen));
        }
        if (config.agentListenNetns() != null) {
            throw new IllegalArgumentException("--agent-tls-name: none (expected: the addresses agents dial, given when"
                    + " --agent-listen is a wildcard inside --agent-listen-netns " + config.agentListenNetns() + ")");
        }
        List<String> names = new ArrayList<>(List.of("localhost"));
        for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (java.net.InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                if (!address.isLinkLocalAddress()) {
                    names.add(literal(address));
                }
            }
        }
        return names;
    }

    private static String literal(java.net.InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }

    /**
     * The public API: TLS, a bearer token on every call (ApiAuthInterceptor, by ApiMethods' table),
     * gRPC on {@code apiListen} and the same services as REST/JSON on {@code api.restListen}.
     */
    private void startPublicApi(ControllerConfig config, Client client, FleetStore store, CertificateStore certificates,
            FleetCa ca, SshStore sshStore, FleetSshCa sshCa, RouteCountersBoard routeCounters, ConsoleStore consoles,
            HostIdentities identities) throws Exception {
        ApiTokenStore tokens = new ApiTokenStore(client, store.keys(), Clock.systemUTC());
        tls = ApiTls.load(config.api(), client, store.keys(), config.apiListen().getAddress(), Clock.systemUTC());
        adminTokenFile = AdminToken.bootstrap(tokens, config.api().adminTokenFile());
        List<ServerServiceDefinition> services = ApiMethods.bind(List.of(new HostApi(store), new NetworkApi(store),
                new MachineApi(store), new RouteApi(store, config.naming(), routeCounters),
                new CertificateApi(certificates, ca, Clock.systemUTC()), new SshApi(sshStore, store, sshCa, Clock.systemUTC()),
                new ConsoleApi(consoles, store, config.naming().consoleHostname(), Clock.systemUTC()),
                new ApiTokenApi(tokens), new HostIdentityApi(identities)), new ApiAuthInterceptor(tokens, Clock.systemUTC()));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(config.apiListen()).sslContext(tls.grpcServerContext());
        services.forEach(builder::addService);
        api = builder.build().start();
        if (config.api().restListen() != null) {
            RestServer server = RestServer.start(new RestServer.Config(config.api().restListen(), tls.httpServerContext(), services));
            resources.add(0, server);
            rest = server;
        }
    }

    /** Where the first admin token was written, when this controller created it (the first start of a fleet). */
    public Optional<Path> adminTokenFile() {
        return adminTokenFile;
    }

    /** The file with the API CA's certificate clients trust, or empty when the operator gave the API's certificate. */
    public Optional<Path> apiCaFile() {
        return tls.caPem() == null ? Optional.empty() : Optional.of(apiCaPath);
    }

    /** Where REST/JSON is served, or empty when it is not. */
    public Optional<InetSocketAddress> restAddress() {
        return rest == null ? Optional.empty() : Optional.of(rest.address());
    }

    public InetSocketAddress apiAddress() {
        return (InetSocketAddress) api.getListenSockets().get(0);
    }

    public InetSocketAddress agentAddress() {
        return (InetSocketAddress) agents.getListenSockets().get(0);
    }

    @Override
    public void close() {
        for (Server server : new Server[] {agents, api}) {
            if (server != null) {
                server.shutdownNow();
            }
        }
        for (Server server : new Server[] {agents, api}) {
            try {
                if (server != null) {
                    server.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }
}

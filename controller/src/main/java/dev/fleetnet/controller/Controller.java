package dev.fleetnet.controller;

import dev.fleetnet.controller.acme.AcmeService;
import dev.fleetnet.controller.api.HostApi;
import dev.fleetnet.controller.api.MachineApi;
import dev.fleetnet.controller.api.NetworkApi;
import dev.fleetnet.controller.api.RouteApi;
import dev.fleetnet.controller.certs.CertificateApi;
import dev.fleetnet.controller.certs.CertificateStore;
import dev.fleetnet.controller.certs.FleetCa;
import dev.fleetnet.controller.certs.FleetCertificates;
import dev.fleetnet.controller.control.AgentControlService;
import dev.fleetnet.controller.control.RouteCountersBoard;
import dev.fleetnet.controller.identity.AgentListenerTls;
import dev.fleetnet.controller.identity.ControllerCertificate;
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
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
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
 * the host CA and host identities, the public API and the agent channel (mutual TLS).
 */
public final class Controller implements AutoCloseable {
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Server api;
    private Server agents;

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
        List<String> endpoints = config.etcdEndpoints();
        if (endpoints.isEmpty()) {
            EmbeddedEtcd etcd = EmbeddedEtcd.start(config.dataDir());
            resources.add(etcd);
            endpoints = List.of(etcd.endpoint());
        }
        Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        resources.add(0, client);
        FleetStore store = new FleetStore(client, new Keys(config.keyPrefix()));
        try {
            store.ensureDefaultNetwork();
        } catch (FleetException e) {
            if (e.kind() != FleetException.Kind.UNAVAILABLE) {
                throw e;
            }
            throw new IllegalStateException("etcd at " + String.join(",", endpoints) + " did not answer (expected: a running etcd; "
                    + e.getMessage() + ")", e);
        }
        CertificateStore certificates = new CertificateStore(client, store.keys());
        FleetCa ca = FleetCa.loadOrCreate(certificates, Clock.systemUTC());
        SshStore sshStore = new SshStore(client, store.keys());
        FleetSshCa sshCa = FleetSshCa.loadOrCreate(sshStore, Clock.systemUTC());
        IdentityStore identityStore = new IdentityStore(client, store.keys());
        HostCa hostCa = HostCa.loadOrCreate(identityStore, Clock.systemUTC());
        HostIdentities identities = new HostIdentities(identityStore, hostCa, Clock.systemUTC());
        ControllerCertificate serving = new ControllerCertificate(hostCa, agentTlsNames(config), Clock.systemUTC());
        ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "controller-certificate");
            t.setDaemon(true);
            return t;
        });
        resources.add(renewals::shutdownNow);
        renewals.scheduleWithFixedDelay(serving::renewIfDue, 1, 1, TimeUnit.HOURS);
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
        api = NettyServerBuilder.forAddress(config.apiListen())
                .addService(new HostApi(store)).addService(new NetworkApi(store)).addService(new MachineApi(store))
                .addService(new RouteApi(store, config.naming(), routeCounters))
                .addService(new CertificateApi(certificates, ca, Clock.systemUTC()))
                .addService(new SshApi(sshStore, store, sshCa, Clock.systemUTC()))
                .addService(new HostIdentityApi(identities))
                .build().start();
        // Mutual TLS: Join is the one call without a client certificate; the interceptor gates every other
        NettyServerBuilder agentBuilder = NettyServerBuilder.forAddress(config.agentListen())
                .sslContext(AgentListenerTls.serverContext(serving.keyManager()))
                .addService(new AgentControlService(store, watcher, client.getLeaseClient(), controllerId, blocking,
                        routeCounters, sshCa, identities))
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

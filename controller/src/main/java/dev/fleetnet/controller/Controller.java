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
import dev.fleetnet.controller.console.ConsoleApi;
import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.control.AgentControlService;
import dev.fleetnet.controller.control.RouteCountersBoard;
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
import java.util.concurrent.TimeUnit;

/**
 * A running controller: etcd client, fleet watcher, the fleet CA and its certificate manager,
 * the public API and the agent channel.
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
        api = NettyServerBuilder.forAddress(config.apiListen())
                .addService(new HostApi(store)).addService(new NetworkApi(store)).addService(new MachineApi(store))
                .addService(new RouteApi(store, config.naming(), routeCounters))
                .addService(new CertificateApi(certificates, ca, Clock.systemUTC()))
                .addService(new SshApi(sshStore, store, sshCa, Clock.systemUTC()))
                .addService(new ConsoleApi(consoles, store, config.naming().consoleHostname(), Clock.systemUTC()))
                .build().start();
        NettyServerBuilder agentBuilder = NettyServerBuilder.forAddress(config.agentListen())
                .addService(new AgentControlService(store, watcher, client.getLeaseClient(), config.joinToken(), controllerId, blocking,
                        routeCounters, sshCa, consoles))
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

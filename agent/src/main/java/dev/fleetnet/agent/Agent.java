package dev.fleetnet.agent;

import dev.fleetnet.agent.control.ControlClient;
import dev.fleetnet.agent.identity.ControlChannels;
import dev.fleetnet.agent.identity.CredentialFiles;
import dev.fleetnet.agent.identity.HostCredentials;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.StreamIngress;
import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.http.HttpIngressServer;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.h2.H2Options;
import dev.fleetnet.ingress.core.Observers;
import dev.fleetnet.ingress.observe.AccessLog;
import dev.fleetnet.ingress.observe.AdminServer;
import dev.fleetnet.ingress.observe.IngressMetrics;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import io.netty.channel.EventLoopGroup;
import dev.fleetnet.agent.host.HostPlanner;
import dev.fleetnet.agent.host.HostReconciler;
import dev.fleetnet.agent.state.StateStore;
import dev.fleetnet.agent.wireguard.KernelSupport;
import dev.fleetnet.agent.wireguard.KernelWireGuard;
import dev.fleetnet.agent.wireguard.UserspaceWireGuard;
import dev.fleetnet.agent.wireguard.WireGuardDevice;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.agent.dns.DnsServer;
import dev.fleetnet.agent.policy.NftPacketFilter;
import dev.fleetnet.agent.policy.PolicyReconciler;
import dev.fleetnet.core.Ipv6;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.ingress.console.ConsoleAssets;
import dev.fleetnet.ingress.console.ConsoleLinks;
import dev.fleetnet.ingress.console.Terminals;
import dev.fleetnet.ingress.console.WebConsole;
import dev.fleetnet.ingress.ssh.MachineTerminal;
import dev.fleetnet.ingress.ssh.SshIngress;
import dev.fleetnet.ingress.ssh.SshIngressConfig;
import dev.fleetnet.proto.v1.StatusReport;
import dev.fleetnet.agent.ports.ConnectProbe;
import dev.fleetnet.agent.ports.MachinePortScanner;
import dev.fleetnet.agent.ports.PortDiscovery;
import dev.fleetnet.agent.ports.ScanTarget;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent: restores its last view from disk at once (forwarding works with no
 * controller) if that view can be trusted — else it leaves the data plane as it is (see
 * {@link ViewRestore}) — then follows the controller's views. Threading: the single "reconcile" thread
 * owns the data plane, the current view and the last status report; the "ingress" thread
 * ({@link IngressWriter}) owns the ingress route table.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** How long a pass waits for ingress to take its view before it gives up (and changes nothing in the data plane). */
    private static final Duration INGRESS_WAIT = Duration.ofSeconds(10);
    private final AgentConfig config;
    private final StateStore state;
    private final HostPlanner planner;
    private final ScheduledExecutorService reconcileThread = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "reconcile"));
    private WireGuardKey key;
    private DataPlanePass dataPlane;
    /** Set once at start; read by console upgrades on ingress threads. */
    private volatile ControlClient control;
    /**
     * The view the data plane was last brought to; empty until one is applied: then no pass runs
     * (not even the periodic resync), so nothing on the host is changed until there is a view to trust.
     */
    private volatile Optional<HostView> current = Optional.empty();
    /** How long a console's WebSocket upgrade waits for the controller to spend its link. */
    private static final Duration CONSOLE_SPEND_TIMEOUT = Duration.ofSeconds(10);
    private StatusReport lastReport;
    /** Machine statuses of the last pass, before listening ports are added. Reconcile thread. */
    private List<MachineStatus> lastStatuses;
    /** TCP ports each machine listens on, as port discovery last found them. Reconcile thread. */
    private Map<String, Set<Integer>> listening = Map.of();
    private PortDiscovery portDiscovery;
    private EventLoopGroup dnsLoops;
    private DnsServer dns;
    /** Set on every (re)connect: the new session gets a status report even if nothing changed. */
    private volatile boolean reportDue = true;
    private EventLoopGroup ingressLoops;
    private HttpIngressServer ingress;
    /** TLS passthrough and TCP routes; null when this agent runs no ingress. */
    private StreamIngress streams;
    /** Null when this agent runs no ingress. */
    private IngressWriter ingressWriter;
    /** Every front-end reports its traffic here: metrics and, when configured, the access log. */
    private final IngressMetrics metrics = new IngressMetrics();
    private AccessLog accessLog;
    private IngressObserver observer = IngressObserver.NONE;
    private AdminServer admin;
    /** Null when this agent runs no SSH ingress. */
    private volatile SshIngress ssh;
    /** The DNS service address kept on loopback (canonical), or null without DNS. */
    private final String dnsAddress;

    public Agent(AgentConfig config) {
        this.config = config;
        this.state = new StateStore(config.stateDir(), config.hostName());
        this.dnsAddress = config.dns() == null ? null : Ipv6.format(config.dns().listen().getAddress().getAddress());
        this.planner = new HostPlanner(config.meshInterface(), config.netnsPrefix(), config.listenPort(),
                dnsAddress == null ? List.of() : List.of(dnsAddress));
    }

    public void start() throws Exception {
        ControlChannels channels = new ControlChannels(new ControlChannels.Settings(config.controller(),
                config.identity().trustedCa(), config.hostName(), config.identity().joinToken()),
                new CredentialFiles(config.stateDir(), config.hostName()));
        HostCredentials joined = channels.loadOrRequireToken(); // before anything starts: no certificate and no token cannot work
        if (joined != null && joined.notAfter().isBefore(java.time.Instant.now())) {
            log.error("host certificate {} expired at {}: the controller will refuse it (expected: a valid one; remove {} and"
                    + " start this agent with a join token to join again with the same key)", joined.serial(), joined.notAfter(),
                    config.stateDir().resolve(CredentialFiles.CERTIFICATE_FILE));
        } else if (joined != null) {
            log.info("host certificate: serial {}, valid until {}", joined.serial(), joined.notAfter());
        }
        key = state.key();
        LinuxNetworking net = IpRouteNetworking.inOwnNamespace();
        WireGuardDevice device;
        if (KernelSupport.available()) {
            log.info("kernel WireGuard: {} is a wireguard link configured over generic netlink", config.meshInterface());
            device = new KernelWireGuard(config.meshInterface(), net);
        } else {
            log.info("no kernel WireGuard: using userspace wireguard-go for {}", config.meshInterface());
            device = new UserspaceWireGuard(new UserspaceWireGuard.Settings(config.meshInterface(), config.wireguardSocketDir(), null));
        }
        dataPlane = new DataPlanePass(planner, new HostReconciler(net, device, config.netnsPrefix()),
                new PolicyReconciler(new NftPacketFilter(null)), key);
        if (config.dns() != null) {
            // The service address must exist before the server binds it; each pass keeps it there.
            String service = dnsAddress + "/128";
            if (!net.addresses(null, "lo").contains(service)) {
                net.setUp(null, "lo");
                net.addAddress(null, "lo", service);
            }
            dnsLoops = Transports.group(1);
            dns = DnsServer.start(config.dns(), dnsLoops);
            log.info("DNS listening on {} (UDP and TCP), upstreams {}", dns.address(), config.dns().upstreams());
        }
        ObservabilityConfig observability = config.observability();
        if (observability.accessLog() != null) {
            accessLog = AccessLog.open(observability.accessLog());
            metrics.accessLogDrops(accessLog::dropped);
            if (accessLog.toFile()) {
                AccessLogRotation.reopenOnHangup(accessLog);
            }
            log.info("access log: {}", observability.accessLog().equals("-") ? "standard output" : observability.accessLog());
        }
        observer = Observers.of(metrics, accessLog);
        if (observability.adminListen() != null) {
            admin = AdminServer.start(observability.adminListen(), metrics);
            log.info("admin listening on {} (GET /metrics, /health)", admin.address());
        }
        if (config.ingressListen() != null) {
            IngressRoutes routes = IngressRoutes.empty(config.ingress().naming());
            UpstreamConnector upstreams = new UpstreamConnector(config.ingress().upstreamConnectTimeout());
            ingressLoops = Transports.group(Math.max(1, Runtime.getRuntime().availableProcessors()));
            CertificateStore certificates = new CertificateStore(ServerSslContexts.preferred());
            ConnectionLimiter limiter = new ConnectionLimiter(config.ingress().maxConnections(),
                    config.ingress().maxConnectionsPerClient());
            // TCP routes listen where HTTP does; relays idle as long as WebSocket tunnels may
            streams = new StreamIngress(new StreamIngress.Config(config.hostName(), config.ingressListen().getAddress(),
                    config.ingress().tlsHandshakeTimeout(), config.ingress().webSocketIdleTimeout()), routes, upstreams,
                    ingressLoops, limiter, observer);
            ingress = HttpIngressServer.start(config.ingress(), routes, upstreams, ingressLoops, config.ingressListen(),
                    config.ingressTlsListen(), certificates, limiter, streams::passthroughHandler, H2Options.defaults(observer),
                    webConsole());
            ingressWriter = new IngressWriter(new IngressUpdater(routes, upstreams), certificates, streams.tcp(),
                    revision -> metrics.viewApplied(revision, routes.current().state()));
            log.info("HTTP ingress listening on {} (suffix {}, epoll {})", ingress.address(), config.ingress().naming().suffix(),
                    Transports.epoll());
            if (ingress.tlsAddress() != null) {
                log.info("HTTPS ingress listening on {} (TLS by server name, {})", ingress.tlsAddress(),
                        certificates.factory().describe());
            }
        }
        if (config.sshListen() != null) {
            try {
                ssh = SshIngress.start(new SshIngressConfig(config.sshListen(), config.stateDir().resolve("ssh_host_ed25519_key"),
                        SshIngressConfig.NamespaceEntry.nsenter(config.netnsPrefix())));
            } catch (java.io.IOException e) {
                throw new java.io.IOException("--ssh-listen: '" + config.sshListen() + "' cannot be served (" + e.getMessage()
                        + ") (expected: a free address and port, or none)", e);
            }
        }
        ViewRestore.restore(state, (saved, why) -> {
            if (ssh != null) {
                ssh.update(saved);
            }
            reconcileThread.submit(() -> apply(saved, true, why)).get();
        });
        control = ControlClient.create(channels, new ControlClient.Handler() {
            @Override
            public Hello hello() {
                return Agent.this.hello();
            }

            @Override
            public void view(HostView view) {
                if (ingressWriter != null) {
                    // At once, on the ingress thread: routes change and stopped machines leave service
                    // without waiting for the data plane. This stream thread only queues the view.
                    ingressWriter.submit(view);
                }
                if (ssh != null) {
                    ssh.update(view); // at once: a stopped machine's sessions close, a deleted key stops working
                }
                reconcileThread.execute(() -> apply(view, false, "from the controller"));
            }

            @Override
            public void sshHostCertificate(SshHostCertificate certificate) {
                if (ssh != null) {
                    ssh.hostCertificate(certificate);
                }
            }

            @Override
            public void hostCertificate(String pem) {
                channels.renewed(pem);
            }
        });
        control.start();
        portDiscovery = new PortDiscovery(new MachinePortScanner(new ConnectProbe(Duration.ofMillis(500))), this::scanTargets,
                found -> reconcileThread.execute(() -> onListening(found)));
        portDiscovery.start(config.portScanInterval());
        long stats = observability.statsInterval().toMillis();
        reconcileThread.scheduleWithFixedDelay(() -> {
            try {
                reportDue = true; // fresh route counters (and their time) even when no figure changed
                report();
            } catch (RuntimeException e) {
                log.warn("status report with route counters failed: {}", e.toString());
            }
        }, stats, stats, TimeUnit.MILLISECONDS);
        // A host certificate with a third of its life left is renewed over the stream, for the same key
        reconcileThread.scheduleWithFixedDelay(() -> {
            HostCredentials credentials = channels.credentials();
            if (credentials != null && control.connected() && credentials.renewalDue(java.time.Instant.now())) {
                control.renewHostCertificate(HostCsr.create(credentials.keyPair(), config.hostName()));
            }
        }, 1, 60, TimeUnit.MINUTES);
        if (ssh != null) {
            // Hello brings a certificate on every (re)connect; an agent connected for weeks asks before it expires
            reconcileThread.scheduleWithFixedDelay(() -> {
                if (ssh.certificateDue(java.time.Instant.now())) {
                    control.renewSshHostCertificate(ssh.hostPublicKey());
                }
            }, 1, 1, TimeUnit.HOURS);
        }
        long every = config.resyncInterval().toMillis();
        reconcileThread.scheduleWithFixedDelay(() -> current.ifPresent(view -> apply(view, true, "periodic resync")),
                every, every, TimeUnit.MILLISECONDS);
        log.info("agent for host {} started: public key {}, endpoint {}, controller {}", config.hostName(),
                key.publicBase64(), config.endpoint(), config.controller());
    }

    /**
     * The web console on {@code console.{suffix}}: links are spent through the controller, sessions
     * run on the SSH ingress's session code (none without an SSH ingress: the console says so).
     */
    private WebConsole webConsole() throws java.io.IOException {
        WebConsole.Config console = new WebConsole.Config(config.ingress().naming().consoleHostname(), config.hostName(),
                config.ingress().webSocketIdleTimeout(), CONSOLE_SPEND_TIMEOUT);
        ConsoleLinks links = token -> {
            ControlClient client = control;
            if (client == null) {
                return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("not connected to the controller yet"));
            }
            return client.spendConsoleToken(token).thenApply(spent -> {
                if (!spent.getRefusal().isEmpty()) {
                    throw new ConsoleLinks.Refused(spent.getRefusal());
                }
                return spent.getMachine();
            });
        };
        Terminals terminals = (machine, columns, rows, input, output, exit) -> {
            SshIngress sessions = ssh;
            if (sessions == null) {
                throw new MachineTerminal.Refused("fleetnet: host " + config.hostName()
                        + " runs no SSH ingress, whose sessions the console uses (expected: an agent with --ssh-listen)");
            }
            return sessions.openTerminal(machine, columns, rows, input, output, exit);
        };
        return new WebConsole(console, ConsoleAssets.load(), links, terminals);
    }

    private Hello hello() {
        reportDue = true;
        return Hello.newBuilder().setPublicKey(key.publicBase64())
                .setSshHostPublicKey(ssh == null ? "" : ssh.hostPublicKey())
                .setEndpoint(config.endpoint())
                .setAppliedRevision(current.map(HostView::getRevision).orElse(0L)).build();
    }

    /** Runs on the reconcile thread only. */
    private void apply(HostView view, boolean deep, String why) {
        try {
            awaitIngress(view); // first take stopped machines out of service, then change the data plane
            if (dns != null) {
                dns.update(HostPlanner.dns(view)); // stopped machines leave DNS before their links go
            }
            Optional<HostView> before = current;
            if (!deep && before.isPresent() && DataPlanePass.sameInputs(view, before.get()) && lastReport != null) {
                current = Optional.of(view); // only ingress, DNS or SSH parts changed: nothing for the kernel to do
                state.saveView(view);
                control.ack(view.getRevision());
                report();
                return;
            }
            HostReconciler.Result result = dataPlane.run(view, deep);
            if (result.noChanges()) {
                if (deep && before.isPresent() && view == before.get()) {
                    log.debug("view at revision {} ({}): no changes", view.getRevision(), why);
                } else {
                    log.info("view at revision {} ({}): no changes", view.getRevision(), why);
                }
            } else {
                log.info("view at revision {} ({}): {} changes: {}", view.getRevision(), why, result.changes().size(),
                        String.join("; ", result.changes()));
            }
            if (!before.map(view::equals).orElse(false)) {
                state.saveView(view);
            }
            current = Optional.of(view);
            lastStatuses = result.statuses();
            if (control != null) {
                control.ack(view.getRevision());
                report();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) {
            log.error("applying the view at revision {} ({}) failed: {}", view.getRevision(), why, e.toString());
        }
    }

    /**
     * Has the ingress thread apply {@code view} and waits for it, so that a machine the view stops
     * is out of service before its link goes. If ingress already applied a newer view (this is a
     * resync or a restored view), it keeps the newer one. Reconcile thread.
     */
    private void awaitIngress(HostView view) throws InterruptedException, ExecutionException, TimeoutException {
        if (ingressWriter != null) {
            ingressWriter.submit(view).get(INGRESS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Sends the machines' status with their listening ports if it changed (or a new session needs one). Reconcile thread. */
    private void report() {
        if (lastStatuses == null || control == null) {
            return;
        }
        StatusReport.Builder report = StatusReport.newBuilder();
        for (MachineStatus status : lastStatuses) {
            Set<Integer> ports = status.getState() == MachineState.MACHINE_STATE_RUNNING
                    ? listening.getOrDefault(status.getName(), Set.of()) : Set.of();
            report.addMachines(status.toBuilder().addAllListeningPorts(new TreeSet<>(ports)));
        }
        report.addAllRoutes(metrics.routeCounters());
        StatusReport next = report.build();
        if (!next.equals(lastReport) || reportDue) {
            reportDue = false;
            control.report(next);
            lastReport = next;
        }
    }

    private void onListening(Map<String, Set<Integer>> found) {
        listening = found;
        report();
    }

    /** The machines of this host that should be running, as port discovery scans them. Any thread (reads the volatile view). */
    private List<ScanTarget> scanTargets() {
        return current.map(HostView::getMachinesList).orElse(List.of()).stream().filter(MachineSpec::getRunning)
                .map(m -> new ScanTarget(m.getName(), m.getBackend() == Backend.BACKEND_TAP ? null : planner.netnsPrefix() + m.getName(),
                        m.getAddress(), new HashSet<>(m.getPortsList())))
                .toList();
    }

    /** Where front-ends report their traffic (metrics and access log). */
    public IngressObserver observer() {
        return observer;
    }

    @Override
    public void close() {
        if (portDiscovery != null) {
            portDiscovery.close();
        }
        if (control != null) {
            control.close();
        }
        reconcileThread.shutdownNow();
        if (ingressWriter != null) {
            ingressWriter.close();
        }
        if (streams != null) {
            streams.close();
        }
        if (ingress != null) {
            ingress.close();
            ingressLoops.shutdownGracefully();
        }
        if (ssh != null) {
            ssh.close();
        }
        if (dns != null) {
            dns.close();
            dnsLoops.shutdownGracefully();
        }
        if (admin != null) {
            admin.close();
        }
        if (accessLog != null) {
            accessLog.close();
        }
    }
}

package dev.fleetnet.agent;

import dev.fleetnet.agent.dns.DnsConfig;
import dev.fleetnet.core.Endpoints;
import dev.fleetnet.agent.identity.JoinTokenSource;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.core.Names;
import dev.fleetnet.core.Ports;
import dev.fleetnet.ingress.http.IngressConfig;
import dev.fleetnet.ingress.http.TrustedProxies;
import dev.fleetnet.routing.IngressNaming;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fleetnet-agent}: flags in, a running agent out. It acts on its own network namespace. */
@Command(name = "fleetnet-agent", mixinStandardHelpOptions = true,
        description = "The fleetnet agent: this host's WireGuard mesh, machine links and routes.")
public final class AgentMain implements Callable<Integer> {
    @Option(names = "--host-name", required = true, description = "This host's name (a DNS label).")
    String hostName;
    @Option(names = "--controller", defaultValue = "127.0.0.1:7401", description = "Controller agent channel (default: ${DEFAULT-VALUE}).")
    String controller;
    @Option(names = "--join-token-file", paramLabel = "FILE|-", description = "The join token for this host's first join"
            + " (`fleetnet host token create`): a file, or - for standard input; else $" + JoinTokenSource.ENVIRONMENT
            + ". Not needed once the host has its certificate (host.crt in --state-dir).")
    String joinTokenFile;
    /** Refused: a secret on the command line is in `ps` for every user of the machine. */
    @Option(names = "--join-token", hidden = true, arity = "0..1")
    String joinTokenOnCommandLine;
    @Option(names = "--ca-file", defaultValue = "/etc/fleetnet/host-ca.pem", description = "The fleet host CA (PEM, as"
            + " `fleetnet host ca` prints it): the controller's certificate must chain to it (default: ${DEFAULT-VALUE}).")
    Path caFile;
    @Option(names = "--endpoint", required = true, description = "This host's underlay WireGuard endpoint, e.g. [fd01::2]:51820.")
    String endpoint;
    @Option(names = "--listen-port", defaultValue = "51820", description = "WireGuard UDP port (default: ${DEFAULT-VALUE}).")
    int listenPort;
    @Option(names = "--mesh-interface", defaultValue = "fleetnet0", description = "Mesh interface name (default: ${DEFAULT-VALUE}).")
    String meshInterface;
    @Option(names = "--netns-prefix", defaultValue = "fleetnet-", description = "Prefix of machine namespaces (default: ${DEFAULT-VALUE}).")
    String netnsPrefix;
    @Option(names = "--state-dir", defaultValue = "/var/lib/fleetnet/agent", description = "Key and last view (default: ${DEFAULT-VALUE}).")
    Path stateDir;
    @Option(names = "--ingress-listen", defaultValue = "[::]:80", description = "HTTP ingress address; 'none' to disable (default: ${DEFAULT-VALUE}).")
    String ingressListen;
    @Option(names = "--ingress-tls-listen", defaultValue = "[::]:443", description = "HTTPS ingress address (TLS by server name); 'none' to disable (default: ${DEFAULT-VALUE}).")
    String ingressTlsListen;
    @Option(names = "--ingress-suffix", defaultValue = "fleet.internal", description = "Suffix of implicit hostnames (default: ${DEFAULT-VALUE}).")
    String ingressSuffix;
    @Option(names = "--ingress-default-port", defaultValue = "8080", description = "Port of {machine}.{suffix} (default: ${DEFAULT-VALUE}).")
    int ingressDefaultPort;
    @Option(names = "--ingress-upstream-timeout", defaultValue = "60s", description = "Time for a machine to start answering (default: ${DEFAULT-VALUE}).")
    String ingressUpstreamTimeout;
    @Option(names = "--ingress-trusted-proxy", description = "Address or CIDR whose X-Forwarded-*/Forwarded headers are extended, not replaced (repeatable).")
    java.util.List<String> trustedProxies = new java.util.ArrayList<>();
    @Option(names = "--ingress-max-body-bytes", defaultValue = "104857600", description = "Default request body limit (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;
    @Option(names = "--port-scan-interval", defaultValue = "5s", description = "How often the ports machines listen on are discovered (default: ${DEFAULT-VALUE}).")
    String portScanInterval;
    @Option(names = "--dns-listen", defaultValue = "[fdaa::3]:53", description = "Internal DNS address, kept on loopback; 'none' to disable (default: ${DEFAULT-VALUE}).")
    String dnsListen;
    @Option(names = "--dns-upstream", paramLabel = "[ADDR]:PORT", description = "Resolver for zones other than internal (repeatable; none: REFUSED).")
    java.util.List<String> dnsUpstreams = new java.util.ArrayList<>();
    @Option(names = "--dns-ttl", defaultValue = "5s", description = "TTL of internal answers and of negative answers (default: ${DEFAULT-VALUE}).")
    String dnsTtl;
    @Option(names = "--ingress-max-connections-per-client", defaultValue = "256", description = "Open connections one client address may hold (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerClient;
    @Option(names = "--ingress-request-timeout", defaultValue = "5m", description = "Time for a whole request body to arrive, then 408 (default: ${DEFAULT-VALUE}).")
    String requestTimeout;
    @Option(names = "--ingress-upstream-acquire-timeout", defaultValue = "10s", description = "Wait for a connection of a full upstream pool, then 503 (default: ${DEFAULT-VALUE}).")
    String upstreamAcquireTimeout;
    @Option(names = "--ingress-websocket-idle-timeout", defaultValue = "10m", description = "An open WebSocket tunnel with no traffic is closed (default: ${DEFAULT-VALUE}).")
    String webSocketIdleTimeout;
    @Option(names = "--admin-listen", defaultValue = "127.0.0.1:9180", description = "Admin listener (GET /metrics, /health); keep it on loopback; 'none' to disable (default: ${DEFAULT-VALUE}).")
    String adminListen;
    @Option(names = "--access-log", description = "Access log, one JSON line per request or connection: a file (appended to) or '-' for stdout (default: off).")
    String accessLog;
    @Option(names = "--stats-interval", defaultValue = "10s", description = "How often route counters are reported to the controller (default: ${DEFAULT-VALUE}).")
    String statsInterval;
    @Option(names = "--ssh-listen", defaultValue = "[::]:22", description = "SSH ingress address (`ssh MACHINE@HOST`); 'none' to disable (default: ${DEFAULT-VALUE}).")
    String sshListen;
    @Option(names = "--resync-interval", defaultValue = "30s", description = "Full re-check of the data plane (default: ${DEFAULT-VALUE}).")
    String resyncInterval;

    public static void main(String[] args) {
        dev.fleetnet.ingress.core.Transports.leakDetectionOffUnlessAsked(); // before the first channel: pipelines read it once
        System.exit(commandLine().execute(args));
    }

    /** The command with its error handling: startup errors are one line and exit 2, from the flags or from starting up. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AgentMain());
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("fleetnet-agent: " + e.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parse) -> {
            // Our own errors carry field, value and expectation; others also need their kind (e.g. AccessDeniedException).
            boolean ours = (e instanceof IllegalArgumentException || e.getClass() == java.io.IOException.class) && e.getMessage() != null;
            String text = ours ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            commandLine.getErr().println("fleetnet-agent: " + text.replace('\n', ' '));
            return 2;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        Names.check("--host-name", hostName);
        Endpoints.parse("--endpoint", endpoint);
        Ports.check("--listen-port", listenPort);
        if (joinTokenOnCommandLine != null) {
            throw new IllegalArgumentException("--join-token: a secret on the command line is shown by `ps` to every user"
                    + " (expected: --join-token-file FILE, --join-token-file - for standard input, or $" + JoinTokenSource.ENVIRONMENT + ")");
        }
        java.util.List<java.security.cert.X509Certificate> trusted = readCa(caFile);
        JoinTokens.Token token = JoinTokenSource.read(joinTokenFile, System.getenv(JoinTokenSource.ENVIRONMENT), System.in);
        AgentConfig config = new AgentConfig(hostName, controller, new AgentConfig.Identity(trusted, token), endpoint, listenPort,
                meshInterface, netnsPrefix,
                stateDir, parseDuration(resyncInterval), Path.of("/var/run/wireguard"),
                ingressListen.equals("none") ? null : Endpoints.literal("--ingress-listen", ingressListen),
                ingressTlsListen.equals("none") ? null : Endpoints.literal("--ingress-tls-listen", ingressTlsListen),
                IngressConfig.builder().naming(new IngressNaming(ingressSuffix, ingressDefaultPort))
                        .upstreamResponseTimeout(parseDuration(ingressUpstreamTimeout)).maxBodyBytes(maxBodyBytes)
                        .trustedProxies(trustedProxies.stream().map(TrustedProxies.Cidr::parse).toList())
                        .maxConnectionsPerClient(maxConnectionsPerClient).requestTimeout(parseDuration(requestTimeout))
                        .upstreamAcquireTimeout(parseDuration(upstreamAcquireTimeout))
                        .webSocketIdleTimeout(parseDuration(webSocketIdleTimeout)).build(),
                parseDuration(portScanInterval),
                dnsListen.equals("none") ? null : new DnsConfig(dnsAddress(dnsListen),
                        dnsUpstreams.stream().map(u -> Endpoints.literal("--dns-upstream", u)).toList(), parseDuration(dnsTtl)),
                new ObservabilityConfig(adminListen.equals("none") ? null : Endpoints.literal("--admin-listen", adminListen),
                        accessLog == null || accessLog.isEmpty() ? null : accessLog, parseDuration(statsInterval)),
                sshListen.equals("none") ? null : Endpoints.literal("--ssh-listen", sshListen));
        Agent agent = new Agent(config);
        agent.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }


    /** The host CA certificates in {@code file}, or an error naming the flag. */
    static java.util.List<java.security.cert.X509Certificate> readCa(Path file) {
        String pem;
        try {
            pem = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("--ca-file: '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + ") (expected: the fleet host CA certificate in PEM, as `fleetnet host ca` prints it)");
        }
        try {
            return dev.fleetnet.identity.IdentityPem.certificates(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ca-file: '" + file + "': " + e.getMessage());
        }
    }

    /** The DNS service address is an IPv6 literal: it is added to loopback and announced to guests. */
    static InetSocketAddress dnsAddress(String text) {
        InetSocketAddress address = Endpoints.literal("--dns-listen", text);
        if (address.getAddress().getAddress().length != 16 || address.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("--dns-listen: '" + text + "' (expected: a specific IPv6 address and port, e.g. [fdaa::3]:53)");
        }
        return address;
    }

    static Duration parseDuration(String text) {
        if (!text.matches("\\d+(ms|s|m)")) {
            throw new IllegalArgumentException("duration: '" + text + "' (expected: e.g. 500ms, 30s or 2m)");
        }
        long n = Long.parseLong(text.replaceAll("\\D", ""));
        return text.endsWith("ms") ? Duration.ofMillis(n) : text.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
    }
}

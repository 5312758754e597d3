package dev.fleetnet.controller;

import dev.fleetnet.core.Endpoints;
import dev.fleetnet.controller.acme.AcmeConfig;
import dev.fleetnet.controller.acme.AcmeTrust;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
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
    @Option(names = "--agent-tls-name", paramLabel = "ADDR|NAME",
            description = "An address or DNS name agents dial the agent channel by, for its certificate (repeatable;"
                    + " default: the --agent-listen address, or every local address when it is a wildcard).")
    List<String> agentTlsNames = List.of();
    @Option(names = {"--join-token", "--join-token-file"}, hidden = true, arity = "0..1")
    String retiredJoinToken;
    @Option(names = "--ingress-suffix", defaultValue = "fleet.internal", description = "Suffix of implicit ingress hostnames (default: ${DEFAULT-VALUE}).")
    String ingressSuffix;
    @Option(names = "--ingress-default-port", defaultValue = "8080", description = "Port of {machine}.{suffix} (default: ${DEFAULT-VALUE}).")
    int ingressDefaultPort;
    @Option(names = "--acme-directory", description = "ACME directory URL; set = order certificates for route hostnames (HTTP-01).")
    String acmeDirectory;
    @Option(names = "--acme-email", description = "Contact e-mail of the ACME account (optional).")
    String acmeEmail;
    @Option(names = "--acme-ca-file", description = "PEM roots to trust for the ACME directory's HTTPS instead of the JVM's (e.g. pebble's).")
    Path acmeCaFile;
    @Option(names = "--acme-renew-before", defaultValue = "30d", description = "Renew when less validity remains (default: ${DEFAULT-VALUE}).")
    String acmeRenewBefore;
    @Option(names = "--acme-check-interval", defaultValue = "1h", description = "How often to check certificates (default: ${DEFAULT-VALUE}).")
    String acmeCheckInterval;
    @Option(names = "--key-prefix", defaultValue = "/fleetnet/v1/", description = "etcd key prefix (default: ${DEFAULT-VALUE}).")
    String keyPrefix;
    @Option(names = "--rest-listen", defaultValue = "127.0.0.1:7402",
            description = "REST/JSON API address (HTTPS, same TLS and tokens as the gRPC API); 'none': off (default: ${DEFAULT-VALUE}).")
    String restListen;
    @Option(names = "--api-cert", paramLabel = "FILE", description = "PEM certificate chain the API serves (default: one the fleet's API CA signs);"
            + " read again every 30 s, a replaced chain and key are served from the next connection on.")
    Path apiCert;
    @Option(names = "--api-key", paramLabel = "FILE", description = "PEM private key of --api-cert.")
    Path apiKey;
    @Option(names = "--api-cert-name", paramLabel = "NAME", description = "Another DNS name or address clients reach the API by, for"
            + " the certificate the API CA signs (repeatable; localhost, 127.0.0.1, ::1 and the listen address are always in it).")
    List<String> apiCertNames = List.of();
    @Option(names = "--api-ca-file", paramLabel = "FILE", description = "Where to write the API CA's certificate for clients"
            + " (default: <data-dir>/api-ca.pem).")
    Path apiCaFile;
    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Where the first start of a fleet writes its admin API token,"
            + " owner-only (default: <data-dir>/admin-token).")
    Path adminTokenFile;
    @Option(names = "--etcd-ca", paramLabel = "FILE", description = "PEM CA that signed etcd's server certificate (https:// endpoints).")
    Path etcdCa;
    @Option(names = "--etcd-cert", paramLabel = "FILE", description = "PEM client certificate for etcd's --client-cert-auth.")
    Path etcdCert;
    @Option(names = "--etcd-key", paramLabel = "FILE", description = "PEM private key of --etcd-cert.")
    Path etcdKey;
    @Option(names = "--etcd-user", description = "etcd user (etcd's own authentication), with --etcd-password-file.")
    String etcdUser;
    @Option(names = "--etcd-password-file", paramLabel = "FILE", description = "File holding the etcd user's password.")
    Path etcdPasswordFile;

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
        if (retiredJoinToken != null) {
            throw new IllegalArgumentException("--join-token/--join-token-file: no longer taken (expected: join tokens made with"
                    + " `fleetnet host token create`, one per host, kept hashed in etcd)");
        }
        ControllerConfig config = new ControllerConfig(Endpoints.literal("--listen", listen), Endpoints.literal("--agent-listen", agentListen),
                agentListenNetns, agentTlsNames, etcdEndpoints, dataDir, keyPrefix,
                new dev.fleetnet.routing.IngressNaming(ingressSuffix, ingressDefaultPort), acme())
                .withApi(api()).withEtcdSecurity(etcdSecurity());
        Controller controller = Controller.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            stopped.countDown();
        }));
        System.out.println("fleetnet controller ready: API " + format(controller.apiAddress()) + ", agents "
                + format(controller.agentAddress()) + (agentListenNetns == null ? "" : " (in netns " + agentListenNetns + ")")
                + ", etcd " + (etcdEndpoints.isEmpty() ? "embedded in " + dataDir : String.join(",", etcdEndpoints))
                + controller.restAddress().map(a -> ", REST https://" + format(a) + "/v1/ (OpenAPI: /openapi.yaml)").orElse(""));
        controller.apiCaFile().ifPresent(ca -> System.out.println("API CA certificate for clients: " + ca
                + " (FLEETNET_CA, or a context's ca-file)"));
        controller.adminTokenFile().ifPresent(token -> System.out.println("first start of this fleet: admin API token written to "
                + token + " (owner-only; FLEETNET_TOKEN_FILE=" + token + ", or `fleetnet context add`)"));
        stopped.await();
        return 0;
    }

    ApiConfig api() {
        InetSocketAddress rest = "none".equals(restListen) ? null : Endpoints.literal("--rest-listen", restListen);
        return new ApiConfig(rest, apiCert, apiKey, apiCertNames, apiCaFile, adminTokenFile);
    }

    EtcdSecurity etcdSecurity() throws java.io.IOException {
        byte[] password = null;
        if (etcdPasswordFile != null) {
            try {
                password = java.nio.file.Files.readString(etcdPasswordFile).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--etcd-password-file: '" + etcdPasswordFile + "' cannot be read ("
                        + e.getClass().getSimpleName() + ") (expected: a readable file holding the password)");
            }
        }
        if (etcdCa == null && etcdCert == null && etcdKey == null && etcdUser == null && password == null) {
            return EtcdSecurity.NONE;
        }
        return new EtcdSecurity(etcdCa, etcdCert, etcdKey, etcdUser, password);
    }

    AcmeConfig acme() {
        if (acmeDirectory == null) {
            if (acmeEmail != null || acmeCaFile != null) {
                throw new IllegalArgumentException("--acme-email/--acme-ca-file without --acme-directory (expected: the ACME directory URL too)");
            }
            return null;
        }
        URI directory;
        try {
            directory = new URI(acmeDirectory);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--acme-directory: '" + acmeDirectory + "' (expected: an https:// URL of an ACME directory)", e);
        }
        return AcmeConfig.builder(directory).email(acmeEmail)
                .trustedRoots(acmeCaFile == null ? List.of() : AcmeTrust.readPem("--acme-ca-file", acmeCaFile))
                .renewBefore(parseDuration("--acme-renew-before", acmeRenewBefore))
                .checkInterval(parseDuration("--acme-check-interval", acmeCheckInterval)).build();
    }

    /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 30d}. */
    static Duration parseDuration(String flag, String text) {
        if (text == null || !text.matches("\\d{1,9}[smhd]")) {
            throw new IllegalArgumentException(flag + ": '" + text + "' (expected: a number and s, m, h or d, e.g. 30d or 1h)");
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
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

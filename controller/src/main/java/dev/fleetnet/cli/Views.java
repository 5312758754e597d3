package dev.fleetnet.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.RouteProtocol;
import java.util.List;
import java.util.stream.Collectors;

/** How API objects are shown: tables for people, protobuf JSON for scripts. */
final class Views {
    private Views() {}

    static String json(MessageOrBuilder message) {
        try {
            return JsonFormat.printer().alwaysPrintFieldsWithNoPresence().preservingProtoFieldNames().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    static String hosts(List<Host> hosts) {
        Table table = new Table("NAME", "NUMBER", "CONNECTED", "ENDPOINT", "INFRA ADDRESS", "APPLIED REV", "PUBLIC KEY");
        for (Host h : hosts) {
            table.row(h.getName(), h.getNumber(), h.getConnected() ? "yes" : "no", h.getEndpoint(),
                    h.getInfraAddress(), h.getAppliedRevision(), h.getPublicKey());
        }
        return table.render();
    }

    static String networks(List<Network> networks) {
        Table table = new Table("NAME", "NUMBER", "PREFIX");
        for (Network n : networks) {
            table.row(n.getName(), n.getNumber(), n.getPrefix());
        }
        return table.render();
    }

    static String machines(List<Machine> machines) {
        Table table = new Table("NAME", "HOST", "NETWORK", "BACKEND", "ADDRESS", "DESIRED", "STATE", "PORTS", "LISTENING");
        for (Machine m : machines) {
            table.row(m.getName(), m.getHost(), m.getNetwork(), backend(m), m.getAddress(),
                    state(m.getDesiredState()), state(m.getState()) + (m.getStateMessage().isEmpty() ? "" : ": " + m.getStateMessage()),
                    m.getPortsList().stream().map(String::valueOf).collect(Collectors.joining(",")),
                    m.getListeningPortsList().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        return table.render();
    }

    static String machine(Machine m) {
        return String.join("\n",
                "name:     " + m.getName(),
                "host:     " + m.getHost(),
                "network:  " + m.getNetwork(),
                "backend:  " + backend(m),
                "address:  " + m.getAddress(),
                "desired:  " + state(m.getDesiredState()),
                "state:    " + state(m.getState()) + (m.getStateMessage().isEmpty() ? "" : " (" + m.getStateMessage() + ")"),
                "ports:    " + ports(m.getPortsList()) + " exposed; listening: " + ports(m.getListeningPortsList()),
                "app:      " + orDash(m.getApp()),
                "ssh:      " + (m.getSsh() == dev.fleetnet.proto.v1.SshMode.SSH_MODE_RELAY ? "relay to its sshd" : "shell in its namespace"),
                "netns:    " + orDash(m.getNetns()),
                "link:     " + orDash(m.getLink())) + "\n";
    }

    private static String ports(List<Integer> ports) {
        return ports.isEmpty() ? "-" : ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    static String routes(List<Route> routes) {
        Table table = new Table("HOSTNAME", "PATH", "PROTOCOL", "PUBLIC", "TARGET", "PORT", "OWNER", "OPTIONS");
        for (Route r : routes) {
            boolean http = protocol(r).equals("http");
            table.row(r.getHostname().isEmpty() ? "-" : r.getHostname(), http ? (r.getPathPrefix().isEmpty() ? "/" : r.getPathPrefix()) : "-",
                    protocol(r), publicSide(r), target(r), r.getPort(), r.getOwner(), options(r));
        }
        return table.render();
    }

    /** The protocol as the CLI names it. */
    static String protocol(Route r) {
        return switch (r.getProtocol()) {
            case ROUTE_PROTOCOL_TLS_PASSTHROUGH -> "tls-passthrough";
            case ROUTE_PROTOCOL_TCP -> "tcp";
            default -> "http";
        };
    }

    static RouteProtocol protocol(String name) {
        return switch (name) {
            case "http" -> RouteProtocol.ROUTE_PROTOCOL_HTTP;
            case "tls-passthrough" -> RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH;
            case "tcp" -> RouteProtocol.ROUTE_PROTOCOL_TCP;
            default -> throw new IllegalArgumentException("--protocol: '" + name + "' (expected: http, tls-passthrough or tcp)");
        };
    }

    /** Where clients reach the route: HTTP and passthrough on 80/443 by name, tcp on its public port (and hosts). */
    private static String publicSide(Route r) {
        return switch (r.getProtocol()) {
            case ROUTE_PROTOCOL_TCP -> r.getPublicPort() + (r.getHostsCount() == 0 ? "" : "@" + String.join(",", r.getHostsList()));
            case ROUTE_PROTOCOL_TLS_PASSTHROUGH -> "443";
            default -> "80,443";
        };
    }

    /** A route as one name: hostname + path, or its key for stream routes. */
    static String name(Route r) {
        return switch (r.getProtocol()) {
            case ROUTE_PROTOCOL_TCP -> "tcp/" + r.getPublicPort();
            case ROUTE_PROTOCOL_TLS_PASSTHROUGH -> "tls/" + r.getHostname();
            default -> r.getHostname() + (r.getPathPrefix().isEmpty() ? "/" : r.getPathPrefix());
        };
    }

    /** Certificates: facts only, the API never returns keys. */
    static String certificates(List<CertificateInfo> certificates) {
        Table table = new Table("HOSTNAME", "SOURCE", "NAMES", "ISSUER", "EXPIRES", "FINGERPRINT");
        for (CertificateInfo c : certificates) {
            table.row(c.getHostname(), source(c.getSource()), String.join(",", c.getNamesList()), c.getIssuer(),
                    java.time.Instant.ofEpochSecond(c.getNotAfterEpochSeconds()), c.getSha256Fingerprint());
        }
        return table.render();
    }

    /** Names whose ACME orders fail, under the certificates; nothing when there are none. */
    static String acmeFailures(List<dev.fleetnet.proto.v1.AcmeFailures> failures) {
        if (failures.isEmpty()) {
            return "";
        }
        Table table = new Table("ACME FAILING", "FAILURES", "LAST", "NEXT ATTEMPT", "ERROR");
        for (dev.fleetnet.proto.v1.AcmeFailures f : failures) {
            table.row(f.getHostname(), f.getCount(), java.time.Instant.ofEpochMilli(f.getLastFailureEpochMillis()),
                    java.time.Instant.ofEpochMilli(f.getNextAttemptEpochMillis()), f.getLastError());
        }
        return "\n" + table.render();
    }

    static String source(CertificateSource source) {
        return switch (source) {
            case CERTIFICATE_SOURCE_FLEET -> "fleet";
            case CERTIFICATE_SOURCE_UPLOADED -> "uploaded";
            case CERTIFICATE_SOURCE_ACME -> "acme";
            default -> source.toString();
        };
    }

    /** One row per host that reported the route; REPORTED is the report's age. */
    static String routeStats(dev.fleetnet.proto.v1.RouteStatsResponse response) {
        Table table = new Table("HOST", "REQUESTS", "2xx", "4xx", "5xx", "BYTES_IN", "BYTES_OUT", "OPEN", "P50_MS", "P99_MS",
                "REPORTED");
        long now = System.currentTimeMillis();
        for (dev.fleetnet.proto.v1.HostRouteCounters h : response.getHostsList()) {
            dev.fleetnet.proto.v1.RouteCounters c = h.getCounters();
            table.row(h.getHost(), c.getRequests(), c.getStatusClassesOrDefault("2xx", 0), c.getStatusClassesOrDefault("4xx", 0),
                    c.getStatusClassesOrDefault("5xx", 0), c.getBytesIn(), c.getBytesOut(), c.getOpenConnections(),
                    String.format(java.util.Locale.ROOT, "%.1f", c.getLatencyP50Ms()),
                    String.format(java.util.Locale.ROOT, "%.1f", c.getLatencyP99Ms()),
                    Math.max(0, (now - h.getReportedAtEpochMillis()) / 1000) + "s ago");
        }
        String route = response.getRoute().getHostname().isEmpty() ? "tcp/" + response.getRoute().getPublicPort()
                : response.getRoute().getHostname() + (response.getRoute().getPathPrefix().isEmpty() ? "/" : response.getRoute().getPathPrefix());
        return "route " + route + (response.getHostsCount() == 0 ? ": no host reported traffic yet\n" : "\n" + table.render());
    }

    static String target(Route r) {
        return r.hasApp() ? "app:" + r.getApp() : r.getMachine();
    }

    private static String options(Route r) {
        StringBuilder sb = new StringBuilder();
        if (r.getRewriteHost()) {
            sb.append("rewrite-host");
        }
        if (r.getMaxBodyBytes() > 0) {
            sb.append(sb.length() > 0 ? "," : "").append("max-body=").append(r.getMaxBodyBytes());
        }
        if (r.getRedirectHttps()) {
            sb.append(sb.length() > 0 ? "," : "").append("redirect-https");
        }
        if (r.getProxyProtocol()) {
            sb.append(sb.length() > 0 ? "," : "").append("proxy-protocol");
        }
        if (r.getH2C()) {
            sb.append(sb.length() > 0 ? "," : "").append("h2c");
        }
        return sb.toString();
    }

    static String state(MachineState state) {
        return state == MachineState.MACHINE_STATE_UNSPECIFIED ? "-"
                : state.name().substring("MACHINE_STATE_".length()).toLowerCase();
    }

    private static String backend(Machine m) {
        return switch (m.getBackend()) {
            case BACKEND_NETNS -> "netns";
            case BACKEND_TAP -> "tap";
            default -> "-";
        };
    }

    private static String orDash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}

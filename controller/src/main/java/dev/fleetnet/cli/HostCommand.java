package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.CreateJoinTokenResponse;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import dev.fleetnet.proto.v1.GetHostIdentityRequest;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.JoinTokenInfo;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.ListJoinTokensResponse;
import dev.fleetnet.proto.v1.RekeyHostRequest;
import dev.fleetnet.proto.v1.RevokeHostRequest;
import dev.fleetnet.proto.v1.RevokeJoinTokenRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet host list|get|ca|token|rekey|revoke}: hosts, and who may join as one. */
@Command(name = "host", description = "Hosts that run an agent, their join tokens and identities.",
        subcommands = {HostCommand.List.class, HostCommand.Get.class, HostCommand.Ca.class, HostCommand.Token.class,
            HostCommand.Rekey.class, HostCommand.Revoke.class})
final class HostCommand {
    @ParentCommand
    FleetnetCli root;

    @Command(name = "list", description = "List hosts.")
    static final class List implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListHostsResponse response = client.hosts().listHosts(ListHostsRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : Views.hosts(response.getHostsList()));
            }
        }
    }

    @Command(name = "get", description = "Show one host.")
    static final class Get implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                Host host = client.hosts().getHost(GetHostRequest.newBuilder().setName(name).build());
                if (parent.root.json) {
                    spec.commandLine().getOut().println(Views.json(host));
                    return;
                }
                spec.commandLine().getOut().print(Views.hosts(java.util.List.of(host)));
                HostIdentity identity;
                try {
                    identity = client.hostIdentity().getHostIdentity(GetHostIdentityRequest.newBuilder().setName(name).build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                        throw e;
                    }
                    spec.commandLine().getOut().println("identity: none (joined before host certificates, or never joined)");
                    return;
                }
                spec.commandLine().getOut().println(identity(identity));
            }
        }
    }

    @Command(name = "ca", description = "Print the host CA certificate (PEM) agents are installed with: "
            + "`fleetnet host ca > host-ca.pem`, then the agent's --ca-file host-ca.pem.")
    static final class Ca implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                var ca = client.hostIdentity().getHostCa(GetHostCaRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(ca) + "\n" : ca.getCertificatePem());
            }
        }
    }

    @Command(name = "token", description = "Join tokens: a host joins once with one (its agent reads it from a file,"
            + " standard input or $FLEETNET_JOIN_TOKEN).", subcommands = {Create.class, ListTokens.class, RevokeToken.class})
    static final class Token {
        @ParentCommand
        HostCommand parent;
    }

    @Command(name = "create", description = "Create a join token and print it, once: only its SHA-256 is kept.")
    static final class Create implements Runnable {
        @ParentCommand
        Token parent;
        @Spec
        CommandSpec spec;
        @Option(names = "--host", paramLabel = "NAME", description = "Only host NAME may join with it (and may replace its key).")
        String host;
        @Option(names = "--ttl", defaultValue = "1h", paramLabel = "DURATION", description = "How long it can be used: 30m, 1h, 7d (at most 365d). Default: ${DEFAULT-VALUE}.")
        String ttl;
        @Option(names = "--uses", defaultValue = "1", paramLabel = "N", description = "How many joins it allows (1..1000). Default: ${DEFAULT-VALUE}.")
        int uses;

        @Override
        public void run() {
            Duration lifetime = SshCommand.parseDuration(ttl);
            if (lifetime.isZero()) {
                throw new IllegalArgumentException("--ttl: '" + ttl + "' (expected: more than 0, e.g. 1h)");
            }
            if (uses < 1) {
                throw new IllegalArgumentException("--uses: " + uses + " (expected: 1..1000)");
            }
            FleetnetCli root = parent.parent.root;
            try (FleetClient client = root.connect()) {
                CreateJoinTokenResponse created = client.hostIdentity().createJoinToken(CreateJoinTokenRequest.newBuilder()
                        .setHost(host == null ? "" : host).setTtlSeconds(lifetime.toSeconds()).setUses(uses).build());
                if (root.json) {
                    spec.commandLine().getOut().println(Views.json(created));
                    return;
                }
                spec.commandLine().getOut().println(created.getToken());
                JoinTokenInfo info = created.getInfo();
                spec.commandLine().getErr().println("join token " + info.getId() + ": " + (info.getHost().isEmpty() ? "any host"
                        : "host " + info.getHost()) + ", " + info.getUses() + " use(s), expires "
                        + Instant.ofEpochSecond(info.getExpiresEpochSeconds()) + "; it is not shown again. Give it to the"
                        + " agent in a file (--join-token-file FILE), on standard input (--join-token-file -) or in"
                        + " $FLEETNET_JOIN_TOKEN, never on its command line.");
            }
        }
    }

    @Command(name = "list", description = "List join tokens (never their secrets).")
    static final class ListTokens implements Runnable {
        @ParentCommand
        Token parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            FleetnetCli root = parent.parent.root;
            try (FleetClient client = root.connect()) {
                ListJoinTokensResponse response = client.hostIdentity().listJoinTokens(ListJoinTokensRequest.getDefaultInstance());
                spec.commandLine().getOut().print(root.json ? Views.json(response) + "\n" : tokens(response, Instant.now()));
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a join token by id: no host can join with it any more.")
    static final class RevokeToken implements Runnable {
        @ParentCommand
        Token parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            FleetnetCli root = parent.parent.root;
            try (FleetClient client = root.connect()) {
                JoinTokenInfo revoked = client.hostIdentity().revokeJoinToken(RevokeJoinTokenRequest.newBuilder().setId(id).build());
                spec.commandLine().getOut().println(root.json ? Views.json(revoked) : "revoked join token " + revoked.getId()
                        + " (" + revoked.getUsed() + " of " + revoked.getUses() + " uses spent)");
            }
        }
    }

    @Command(name = "rekey", description = "Allow the next join under host NAME to bring another key (a reinstalled host):"
            + " the host joins again with a token, and its old certificate is refused from then on.")
    static final class Rekey implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                HostIdentity identity = client.hostIdentity().rekeyHost(RekeyHostRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().println(parent.root.json ? Views.json(identity) : "host " + identity.getHost()
                        + ": the next join under this name may bring a new key (now " + shortKey(identity) + ")");
            }
        }
    }

    @Command(name = "revoke", description = "Cut host NAME off at once: its stream is closed, its certificate refused,"
            + " every other host drops it as a peer. It comes back only by joining with a new key after `host rekey`"
            + " or with a token created with --host NAME.")
    static final class Revoke implements Runnable {
        @ParentCommand
        HostCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                HostIdentity identity = client.hostIdentity().revokeHost(RevokeHostRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().println(parent.root.json ? Views.json(identity) : "host " + identity.getHost()
                        + " revoked at " + Instant.ofEpochSecond(identity.getRevokedEpochSeconds()) + ": certificate serial "
                        + identity.getCertificateSerial() + " (key " + shortKey(identity) + ") refused from now on");
            }
        }
    }

    /** One line: the pinned key, the certificate, and revocation or re-keying. */
    static String identity(HostIdentity identity) {
        String state = identity.getRevokedEpochSeconds() != 0
                ? "REVOKED at " + Instant.ofEpochSecond(identity.getRevokedEpochSeconds())
                : identity.getRekeyAllowed() ? "re-key allowed (the next join may bring another key)" : "active";
        return "identity: key " + shortKey(identity) + ", certificate serial " + identity.getCertificateSerial() + " valid until "
                + Instant.ofEpochSecond(identity.getNotAfterEpochSeconds()) + ", joined with token " + identity.getTokenId()
                + ", " + state;
    }

    static String tokens(ListJoinTokensResponse response, Instant now) {
        Table table = new Table("ID", "HOST", "USED", "EXPIRES", "STATE");
        for (JoinTokenInfo t : response.getTokensList()) {
            Instant expires = Instant.ofEpochSecond(t.getExpiresEpochSeconds());
            String state = t.getUsed() >= t.getUses() ? "spent" : !now.isBefore(expires) ? "expired" : "usable";
            table.row(t.getId(), t.getHost().isEmpty() ? "(any)" : t.getHost(), t.getUsed() + "/" + t.getUses(), expires, state);
        }
        return table.render();
    }

    private static String shortKey(HostIdentity identity) {
        return "SHA256:" + identity.getKeySha256().substring(0, Math.min(16, identity.getKeySha256().length()));
    }
}

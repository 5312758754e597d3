package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.AddSshKeyRequest;
import dev.fleetnet.proto.v1.DeleteSshKeyRequest;
import dev.fleetnet.proto.v1.GetKnownHostsRequest;
import dev.fleetnet.proto.v1.IssueUserCertificateRequest;
import dev.fleetnet.proto.v1.IssueUserCertificateResponse;
import dev.fleetnet.proto.v1.ListSshKeysRequest;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.ssh.SshAccess;
import dev.fleetnet.ssh.SshKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.fleetnet.core.DurableFiles;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet ssh key add|list|delete, known-hosts, issue}: SSH access to machines through every host's SSH ingress. */
@Command(name = "ssh", description = "SSH to machines (`ssh MACHINE@HOST`): user keys, the known_hosts line, short-lived certificates.",
        subcommands = {SshCommand.Key.class, SshCommand.KnownHosts.class, SshCommand.GuestConfig.class, SshCommand.Issue.class})
final class SshCommand {
    @ParentCommand
    FleetnetCli root;

    @Command(name = "key", description = "User public keys, each scoped to a machine, an app or a network.",
            subcommands = {Add.class, ListKeys.class, Delete.class})
    static final class Key {
        @ParentCommand
        SshCommand parent;
    }

    /** Exactly one scope. */
    static final class Scope {
        @Option(names = "--machine", paramLabel = "M", description = "The key opens machine M.")
        String machine;
        @Option(names = "--app", paramLabel = "A", description = "The key opens every machine of app A.")
        String app;
        @Option(names = "--network", paramLabel = "N", description = "The key opens every machine of network N.")
        String network;
    }

    @Command(name = "add", description = "Add a key: ssh key add NAME --key-file id_ed25519.pub (--machine M | --app A | --network N).")
    static final class Add implements Runnable {
        @ParentCommand
        Key parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--key-file", required = true, paramLabel = "FILE", description = "An OpenSSH public key file (one line).")
        Path keyFile;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Scope scope;

        @Override
        public void run() {
            String line;
            try {
                line = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--key-file: '" + keyFile + "' cannot be read (" + e.getClass().getSimpleName()
                        + ") (expected: a readable OpenSSH public key file)");
            }
            AddSshKeyRequest.Builder request = AddSshKeyRequest.newBuilder().setName(name).setPublicKey(line);
            if (scope.machine != null) {
                request.setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget(scope.machine);
            } else if (scope.app != null) {
                request.setScope(SshKeyScope.SSH_KEY_SCOPE_APP).setTarget(scope.app);
            } else {
                request.setScope(SshKeyScope.SSH_KEY_SCOPE_NETWORK).setTarget(scope.network);
            }
            try (FleetClient client = parent.parent.root.connect()) {
                SshUserKey key = client.ssh().addKey(request.build());
                spec.commandLine().getOut().print(parent.parent.root.json ? Views.json(key) + "\n" : table(java.util.List.of(key)));
            }
        }
    }

    @Command(name = "list", description = "List user keys.")
    static final class ListKeys implements Runnable {
        @ParentCommand
        Key parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.parent.root.connect()) {
                var response = client.ssh().listKeys(ListSshKeysRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.parent.root.json ? Views.json(response) + "\n" : table(response.getKeysList()));
            }
        }
    }

    @Command(name = "delete", description = "Delete a key; new sessions with it are refused at once.")
    static final class Delete implements Runnable {
        @ParentCommand
        Key parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.parent.root.connect()) {
                client.ssh().deleteKey(DeleteSshKeyRequest.newBuilder().setName(name).build());
                spec.commandLine().getOut().println(parent.parent.root.json ? "{\"deleted\": \"" + name + "\"}" : "deleted key " + name);
            }
        }
    }

    @Command(name = "known-hosts", description = "Print the @cert-authority line that trusts every host: `fleetnet ssh known-hosts >> ~/.ssh/known_hosts`.")
    static final class KnownHosts implements Runnable {
        @ParentCommand
        SshCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                var response = client.ssh().getKnownHosts(GetKnownHostsRequest.getDefaultInstance());
                spec.commandLine().getOut().println(parent.root.json ? Views.json(response) : response.getKnownHosts());
            }
        }
    }

    @Command(name = "guest-config", description = "Print the shell commands that let the platform into a machine's own sshd "
            + "(machines created with --ssh relay, and tap machines): run them as root in the guest.")
    static final class GuestConfig implements Runnable {
        @ParentCommand
        SshCommand parent;
        @Spec
        CommandSpec spec;
        @Option(names = "--dir", description = "The guest's sshd configuration directory (default: /etc/ssh).")
        String dir = "/etc/ssh";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                String ca = client.ssh().getKnownHosts(GetKnownHostsRequest.getDefaultInstance()).getCaPublicKey();
                spec.commandLine().getOut().print(SshGuestConfig.script(ca, dir));
            }
        }
    }

    @Command(name = "issue", description = "Generate a key pair here and have the fleet CA certify it for one machine: "
            + "writes id_ed25519, id_ed25519.pub and id_ed25519-cert.pub (the private key never leaves this machine).")
    static final class Issue implements Runnable {
        @ParentCommand
        SshCommand parent;
        @Spec
        CommandSpec spec;
        @Option(names = "--machine", required = true, paramLabel = "M")
        String machine;
        @Option(names = "--ttl", defaultValue = "1h", paramLabel = "DURATION", description = "How long it works: 30s, 15m, 1h (at most 24h). Default: ${DEFAULT-VALUE}.")
        String ttl;
        @Option(names = "--out", defaultValue = ".", paramLabel = "DIR", description = "Where the three files go. Default: the current directory.")
        Path out;

        @Override
        public void run() {
            Duration lifetime = parseDuration(ttl);
            KeyPair pair = SshKeys.generateEd25519();
            String publicLine = SshKeys.line(pair.getPublic()) + " fleetnet-" + machine;
            IssueUserCertificateResponse response;
            try (FleetClient client = parent.root.connect()) {
                response = client.ssh().issueUserCertificate(IssueUserCertificateRequest.newBuilder().setMachine(machine)
                        .setPublicKey(publicLine).setTtlSeconds(lifetime.toSeconds()).build());
            }
            try {
                DurableFiles.write(out.resolve("id_ed25519"), SshKeys.privateKeyText(pair, "fleetnet-" + machine)
                        .getBytes(StandardCharsets.UTF_8), DurableFiles.OWNER_ONLY);
                DurableFiles.write(out.resolve("id_ed25519.pub"), (publicLine + "\n").getBytes(StandardCharsets.UTF_8),
                        DurableFiles.WORLD_READABLE);
                DurableFiles.write(out.resolve("id_ed25519-cert.pub"), (response.getCertificate() + " fleetnet-" + machine + "\n")
                        .getBytes(StandardCharsets.UTF_8), DurableFiles.WORLD_READABLE);
            } catch (IOException e) {
                throw new IllegalArgumentException("--out: '" + out + "' cannot be written (" + e + ") (expected: a writable directory)");
            }
            PrintWriter w = spec.commandLine().getOut();
            w.println("wrote " + out.resolve("id_ed25519") + ", id_ed25519.pub, id_ed25519-cert.pub");
            w.println("certificate " + response.getKeyId() + " for machine " + machine + ", valid until "
                    + Instant.ofEpochSecond(response.getValidBeforeEpochSeconds()));
            w.println("use: ssh -i " + out.resolve("id_ed25519") + " " + machine + "@HOST");
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd]?)");

    /** {@code 30s}, {@code 15m}, {@code 1h}, {@code 1d}; a bare number is seconds. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("--ttl: '" + text + "' (expected: a number with s, m, h or d, e.g. 1h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    static String table(java.util.List<SshUserKey> keys) {
        StringBuilder b = new StringBuilder(String.format("%-20s %-10s %-20s %s%n", "NAME", "SCOPE", "TARGET", "FINGERPRINT"));
        for (SshUserKey k : keys) {
            b.append(String.format("%-20s %-10s %-20s %s%n", k.getName(), SshAccess.scopeName(k.getScope()), k.getTarget(), k.getFingerprint()));
        }
        return b.toString();
    }
}

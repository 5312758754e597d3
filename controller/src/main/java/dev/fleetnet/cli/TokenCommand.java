package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.ApiToken;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.proto.v1.CreateApiTokenResponse;
import dev.fleetnet.proto.v1.ListApiTokensRequest;
import dev.fleetnet.proto.v1.ListApiTokensResponse;
import dev.fleetnet.proto.v1.RevokeApiTokenRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet token create|list|revoke}: bearer tokens of the public API. */
@Command(name = "token", description = "API tokens: every call to the controller carries one (admin, or read-only).",
        subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class})
final class TokenCommand {
    @ParentCommand
    FleetnetCli root;

    /** Shared plumbing of the subcommands. */
    abstract static class Sub {
        @ParentCommand
        TokenCommand parent;
        @Spec
        CommandSpec spec;
    }

    @Command(name = "create", description = "Create a token and print it once (only its hash is kept): token create NAME"
            + " [--read-only] [--ttl 30d].")
    static final class Create extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME", description = "A name such as 'ci' or 'alice' (lowercase letters, digits, '-').")
        String name;
        @Option(names = "--read-only", description = "The token may only call methods that read.")
        boolean readOnly;
        @Option(names = "--ttl", paramLabel = "DURATION", description = "It expires after this: 30s, 15m, 12h, 90d (default: never).")
        String ttl;

        @Override
        public void run() {
            Duration lifetime = ttl == null ? Duration.ZERO : parseTtl(ttl);
            CreateApiTokenResponse response;
            try (FleetClient client = parent.root.connect()) {
                response = client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName(name).setReadOnly(readOnly)
                        .setTtlSeconds(lifetime.toSeconds()).build());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (parent.root.json) {
                out.println(Views.json(response));
                return;
            }
            out.println(response.getSecret());
            PrintWriter err = spec.commandLine().getErr(); // the token alone on stdout, for `> file`
            err.println("token '" + name + "' created (" + (readOnly ? "read-only" : "admin") + ", "
                    + (response.getToken().getExpiresEpochSeconds() == 0 ? "never expires"
                    : "expires " + Instant.ofEpochSecond(response.getToken().getExpiresEpochSeconds()))
                    + "); it is shown this once: keep it in an owner-only file and use FLEETNET_TOKEN_FILE or `fleetnet context add`");
        }
    }

    @Command(name = "list", description = "List tokens: names and rights, never a secret.")
    static final class List extends Sub implements Runnable {
        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListApiTokensResponse response = client.tokens().listTokens(ListApiTokensRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : table(response.getTokensList()));
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a token: calls with it are refused from now on.")
    static final class Revoke extends Sub implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                client.tokens().revokeToken(RevokeApiTokenRequest.newBuilder().setName(name).build());
            }
            spec.commandLine().getOut().println(parent.root.json ? "{\"revoked\": \"" + name + "\"}" : "revoked token " + name);
        }
    }

    static String table(java.util.List<ApiToken> tokens) {
        Table table = new Table("NAME", "ACCESS", "CREATED", "EXPIRES");
        long now = Instant.now().getEpochSecond();
        for (ApiToken t : tokens) {
            String expires = t.getExpiresEpochSeconds() == 0 ? "never"
                    : Instant.ofEpochSecond(t.getExpiresEpochSeconds()) + (t.getExpiresEpochSeconds() <= now ? " (expired)" : "");
            table.row(t.getName(), t.getReadOnly() ? "read-only" : "admin", Instant.ofEpochSecond(t.getCreatedEpochSeconds()), expires);
        }
        return table.render();
    }

    /** {@code 30s}, {@code 15m}, {@code 12h}, {@code 90d}. */
    static Duration parseTtl(String text) {
        if (!text.matches("[1-9]\\d{0,8}[smhd]")) {
            throw new IllegalArgumentException("--ttl: '" + text + "' (expected: a positive number and s, m, h or d, e.g. 90d)");
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}

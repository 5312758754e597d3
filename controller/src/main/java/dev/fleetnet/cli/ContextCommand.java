package dev.fleetnet.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.fleetnet.client.ApiEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet context add|use|list|delete}: named controllers in the CLI's config file. */
@Command(name = "context", description = "Named controllers (address, CA, token) in ~/.config/fleetnet/config.yaml ($FLEETNET_CONFIG).",
        subcommands = {ContextCommand.Add.class, ContextCommand.Use.class, ContextCommand.List.class, ContextCommand.Delete.class})
final class ContextCommand {
    @ParentCommand
    FleetnetCli root;

    /** Shared plumbing of the subcommands. */
    abstract static class Sub {
        @ParentCommand
        ContextCommand parent;
        @Spec
        CommandSpec spec;

        Path file() {
            return CliConfig.location(parent.root.env());
        }
    }

    /** Where the token comes from: a file the context refers to, or standard input (then kept in the config file). */
    static final class TokenSource {
        @Option(names = "--token-file", paramLabel = "FILE", description = "The context reads its token from this file at each call.")
        Path tokenFile;
        @Option(names = "--token-stdin", description = "Read the token from standard input and keep it in the (owner-only) config file.")
        boolean tokenStdin;
    }

    @Command(name = "add", description = "Add or replace a context and make it current: context add NAME --controller HOST:PORT"
            + " --ca FILE (--token-file FILE | --token-stdin). Never the token itself as an argument.")
    static final class Add extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--ca", paramLabel = "FILE", description = "The controller's API CA certificate (PEM), e.g. its api-ca.pem"
                + " (default: the JVM's trusted roots).")
        Path ca;
        @ArgGroup(exclusive = true, multiplicity = "0..1")
        TokenSource token;

        @Override
        public Integer call() throws IOException {
            String controller = parent.root.controller;
            if (controller == null) {
                throw new IllegalArgumentException("context add: no --controller (expected: --controller HOST:PORT)");
            }
            if (ca != null) {
                ApiEndpoint.of(controller, ca, null); // readable now, not at the first call
            }
            String inline = null;
            Path tokenFile = null;
            if (token != null && token.tokenFile != null) {
                ApiEndpoint.readToken(token.tokenFile);
                tokenFile = token.tokenFile.toAbsolutePath();
            } else if (token != null && token.tokenStdin) {
                inline = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (inline == null || inline.isBlank()) {
                    throw new IllegalArgumentException("--token-stdin: nothing on standard input (expected: the token on one line)");
                }
                inline = inline.strip();
            }
            Path file = file();
            CliConfig config = CliConfig.load(file).withContext(name,
                    new CliConfig.Context(controller, ca == null ? null : ca.toAbsolutePath(), tokenFile, inline)).withCurrent(name);
            config.save(file);
            spec.commandLine().getOut().println(parent.root.json ? "{\"context\": \"" + name + "\", \"current\": true}"
                    : "context '" + name + "' (" + controller + ") saved in " + file + " and current");
            return 0;
        }
    }

    @Command(name = "use", description = "Make a context current.")
    static final class Use extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            Path file = file();
            CliConfig.load(file).withCurrent(name).save(file);
            spec.commandLine().getOut().println(parent.root.json ? "{\"current\": \"" + name + "\"}" : "current context: " + name);
            return 0;
        }
    }

    @Command(name = "delete", description = "Remove a context.")
    static final class Delete extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            Path file = file();
            CliConfig.load(file).without(name).save(file);
            spec.commandLine().getOut().println(parent.root.json ? "{\"deleted\": \"" + name + "\"}" : "deleted context " + name);
            return 0;
        }
    }

    @Command(name = "list", description = "List contexts (never a token); * marks the current one.")
    static final class List extends Sub implements Callable<Integer> {
        @Override
        public Integer call() {
            CliConfig config = CliConfig.load(file());
            PrintWriter out = spec.commandLine().getOut();
            if (parent.root.json) {
                JsonArray contexts = new JsonArray();
                config.contexts().forEach((name, c) -> {
                    JsonObject o = new JsonObject();
                    o.addProperty("name", name);
                    o.addProperty("current", name.equals(config.currentContext()));
                    o.addProperty("controller", c.controller());
                    o.addProperty("ca_file", c.caFile() == null ? "" : c.caFile().toString());
                    o.addProperty("token", c.token() != null ? "inline" : c.tokenFile() != null ? "file " + c.tokenFile() : "none");
                    contexts.add(o);
                });
                JsonObject all = new JsonObject();
                all.add("contexts", contexts);
                out.println(all);
                return 0;
            }
            Table table = new Table("CURRENT", "NAME", "CONTROLLER", "CA", "TOKEN");
            config.contexts().forEach((name, c) -> table.row(name.equals(config.currentContext()) ? "*" : "", name, c.controller(),
                    c.caFile() == null ? "system roots" : c.caFile(),
                    c.token() != null ? "inline" : c.tokenFile() != null ? "file " + c.tokenFile() : "none"));
            out.print(table.render());
            return 0;
        }
    }
}

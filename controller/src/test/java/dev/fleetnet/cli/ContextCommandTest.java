package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contexts in the config file and the environment decide where the CLI calls and with which token, as kubectl's do. */
class ContextCommandTest {
    private record Outcome(int exitCode, String out, String err) {}

    @TempDir
    Path dir;
    private Server server;
    private String controller;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                authorizations.add(String.valueOf(headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER))));
                return next.startCall(call, headers);
            }
        };
        server = TestTls.serverBuilder().addService(ServerInterceptors.intercept(new HostServiceGrpc.HostServiceImplBase() {
            @Override
            public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> out) {
                out.onNext(ListHostsResponse.getDefaultInstance());
                out.onCompleted();
            }
        }, recorder)).build().start();
        controller = "127.0.0.1:" + server.getPort();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private Map<String, String> env(String... more) {
        java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of("FLEETNET_CONFIG", dir.resolve("config.yaml").toString()));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private Outcome run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FleetnetCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void theCurrentContextGivesAddressCaAndTokenAndTheEnvironmentOverridesTheToken() throws Exception {
        Path tokenFile = dir.resolve("ci-token");
        Files.writeString(tokenFile, "fnt_from-the-context-file\n");
        Outcome added = run(env(), "context", "add", "lab", "--controller", controller, "--ca", TestTls.caFile().toString(),
                "--token-file", tokenFile.toString());
        assertThat(added.exitCode()).as(added.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("config.yaml")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("config.yaml"))).contains("current-context: lab").doesNotContain("fnt_");

        assertThat(run(env(), "host", "list").exitCode()).isZero();
        Path other = dir.resolve("other-token");
        Files.writeString(other, "fnt_from-the-environment");
        assertThat(run(env("FLEETNET_TOKEN_FILE", other.toString()), "host", "list").exitCode()).isZero();
        assertThat(authorizations).containsExactly("Bearer fnt_from-the-context-file", "Bearer fnt_from-the-environment");

        Outcome list = run(env(), "context", "list");
        assertThat(list.out()).contains("*", "lab", controller, "file " + tokenFile).doesNotContain("fnt_");
        assertThat(run(env(), "--json", "context", "list").out()).contains("\"name\":\"lab\"", "\"current\":true");
    }

    @Test
    void explicitControllerTakesCredentialsFromTheEnvironmentOnlyNeverFromTheContext() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "fnt_context-secret");
        run(env(), "context", "add", "prod", "--controller", "127.0.0.1:1", "--ca", TestTls.caFile().toString(),
                "--token-file", tokenFile.toString());
        Outcome outcome = run(env("FLEETNET_CA", TestTls.caFile().toString()), "--controller", controller, "host", "list");
        assertThat(outcome.exitCode()).as(outcome.err()).isZero();
        assertThat(authorizations).containsExactly("null"); // the context's token is not sent to another address
    }

    @Test
    void useSwitchesAndAnUnknownContextIsNamedWithTheChoices() throws Exception {
        run(env(), "context", "add", "a", "--controller", controller, "--ca", TestTls.caFile().toString());
        run(env(), "context", "add", "b", "--controller", "127.0.0.1:1");
        assertThat(CliConfig.load(dir.resolve("config.yaml")).currentContext()).isEqualTo("b");
        assertThat(run(env(), "context", "use", "a").exitCode()).isZero();
        assertThat(run(env(), "host", "list").exitCode()).isZero();
        Outcome unknown = run(env(), "context", "use", "c");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("error: context 'c': no such context (expected: one of [a, b])");
        Outcome flag = run(env(), "--context", "c", "host", "list");
        assertThat(flag.err().strip()).startsWith("error: --context: 'c' is not in " + dir.resolve("config.yaml"));
    }

    @Test
    void bothTokenVariablesAreRefused() {
        Outcome outcome = run(env("FLEETNET_CONTROLLER", controller, "FLEETNET_TOKEN", "x", "FLEETNET_TOKEN_FILE", "/nope"), "host", "list");
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err().strip()).isEqualTo("error: FLEETNET_TOKEN and FLEETNET_TOKEN_FILE: both set (expected: one)");
    }
}

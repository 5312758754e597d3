package dev.fleetnet.controller.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.ApiFixture;
import dev.fleetnet.controller.Controller;
import dev.fleetnet.proto.v1.ApiToken;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.ListApiTokensRequest;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListNetworksRequest;
import dev.fleetnet.proto.v1.RevokeApiTokenRequest;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC API over TLS with bearer tokens, on a real controller and etcd: who may call what, and that a refusal writes nothing. */
class PublicApiAuthIT {
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        api = ApiFixture.start("/auth-it/");
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @Test
    void theFirstStartWroteAnOwnerOnlyAdminTokenThatWorksAndEtcdHasOnlyItsHash() throws Exception {
        Path file = api.controller.adminTokenFile().orElseThrow();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(api.admin).startsWith(ApiTokenStore.TOKEN_PREFIX);
        try (FleetClient client = api.grpc(api.admin)) {
            List<ApiToken> tokens = client.tokens().listTokens(ListApiTokensRequest.getDefaultInstance()).getTokensList();
            assertThat(tokens).extracting(ApiToken::getName).contains("admin", "reader");
            assertThat(tokens.toString()).doesNotContain(api.admin).doesNotContain(ApiTokenStore.sha256(api.admin));
        }
        var stored = api.etcdClient.getKVClient().get(ByteSequence.from("/auth-it/", StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).build()).get().getKvs();
        assertThat(stored).noneMatch(kv -> kv.getValue().toString(StandardCharsets.ISO_8859_1).contains(api.admin));
        assertThat(stored).anyMatch(kv -> kv.getKey().toString(StandardCharsets.UTF_8)
                .equals("/auth-it/auth/api-tokens/" + ApiTokenStore.sha256(api.admin)));
    }

    @Test
    void noWrongAndRevokedTokensAreUnauthenticatedAndWriteNothing() throws Exception {
        String revoked;
        try (FleetClient client = api.grpc(api.admin)) {
            revoked = client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("gone").build()).getSecret();
            client.tokens().revokeToken(RevokeApiTokenRequest.newBuilder().setName("gone").build());
        }
        long before = api.revision();
        for (String token : new String[] {null, "fnt_not-a-real-token", revoked}) {
            try (FleetClient client = api.grpc(token)) {
                assertThatThrownBy(() -> client.networks().createNetwork(CreateNetworkRequest.newBuilder().setName("nope").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription()).startsWith(token == null ? "no API token" : "unknown or revoked API token");
                        });
                assertThatThrownBy(() -> client.hosts().listHosts(ListHostsRequest.getDefaultInstance()))
                        .hasMessageStartingWith("UNAUTHENTICATED");
            }
        }
        assertThat(api.revision()).as("etcd revision after refused calls").isEqualTo(before);
    }

    @Test
    void aReadOnlyTokenReadsButEveryWriteIsPermissionDeniedWithNothingWritten() throws Exception {
        try (FleetClient client = api.grpc(api.readOnly)) {
            assertThat(client.networks().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()).isNotEmpty();
            long before = api.revision();
            assertThatThrownBy(() -> client.machines().createMachine(CreateMachineRequest.newBuilder().setName("ro-web").setHost("h1").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("API token 'reader' is read-only and"
                                + " fleetnet.v1.MachineService/CreateMachine writes (expected: a token created without --read-only)");
                    });
            assertThatThrownBy(() -> client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("escalate").build()))
                    .hasMessageStartingWith("PERMISSION_DENIED");
            assertThat(api.revision()).isEqualTo(before);
        }
    }

    @Test
    void anExpiredTokenIsRefusedWithItsExpiry() throws Exception {
        String shortLived;
        try (FleetClient client = api.grpc(api.admin)) {
            shortLived = client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("brief").setTtlSeconds(1).build())
                    .getSecret();
        }
        try (FleetClient client = api.grpc(shortLived)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            StatusRuntimeException refused = null;
            while (refused == null && System.nanoTime() < deadline) { // it expires within a second: poll until it has
                try {
                    client.hosts().listHosts(ListHostsRequest.getDefaultInstance());
                    Thread.sleep(100); // polling interval
                } catch (StatusRuntimeException e) {
                    refused = e;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(refused.getStatus().getDescription()).startsWith("API token 'brief' expired at ");
        }
    }

    @Test
    void tokenRefusalsNameTheValueAndWhatWasExpected() {
        try (FleetClient client = api.grpc(api.admin)) {
            assertThatThrownBy(() -> client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("Bad Name").build()))
                    .hasMessage("INVALID_ARGUMENT: token name: 'Bad Name' (expected: 1-63 lowercase letters, digits or '-',"
                            + " starting with a letter and not ending with '-')");
            assertThatThrownBy(() -> client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("reader").build()))
                    .hasMessage("ALREADY_EXISTS: token 'reader' already exists (expected: a new name, or `fleetnet token revoke reader` first)");
            assertThatThrownBy(() -> client.tokens().revokeToken(RevokeApiTokenRequest.newBuilder().setName("never").build()))
                    .hasMessage("NOT_FOUND: token 'never': no such token (expected: a name from `fleetnet token list`)");
            assertThatThrownBy(() -> client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("neg").setTtlSeconds(-5).build()))
                    .hasMessage("INVALID_ARGUMENT: ttl_seconds: -5 (expected: 0 for no expiry, or a positive number of seconds)");
        }
    }

    @Test
    void controllersStartingTogetherAgreeOnOneApiCaAndOneAdminToken() throws Exception {
        Path a = Files.createTempDirectory(api.dir, "race-a-");
        Path b = Files.createTempDirectory(api.dir, "race-b-");
        CompletableFuture<Controller> first = CompletableFuture.supplyAsync(() -> start(a));
        CompletableFuture<Controller> second = CompletableFuture.supplyAsync(() -> start(b));
        try (Controller one = first.get(); Controller two = second.get()) {
            assertThat(Files.readString(one.apiCaFile().orElseThrow())).isEqualTo(Files.readString(two.apiCaFile().orElseThrow()));
            assertThat(List.of(one.adminTokenFile(), two.adminTokenFile())).filteredOn(Optional::isPresent).hasSize(1);
            Path written = one.adminTokenFile().or(two::adminTokenFile).orElseThrow();
            Path loser = one.adminTokenFile().isPresent() ? b : a;
            assertThat(loser.resolve("admin-token")).as("no file with a token that was never stored").doesNotExist();
            try (FleetClient client = FleetClient.connect(ApiEndpoint.of("127.0.0.1:" + two.apiAddress().getPort(),
                    two.apiCaFile().orElseThrow(), written))) {
                assertThat(client.tokens().listTokens(ListApiTokensRequest.getDefaultInstance()).getTokensList())
                        .extracting(ApiToken::getName).containsExactly("admin");
            }
        }
    }

    private static Controller start(Path dataDir) {
        try {
            return Controller.start(ApiFixture.config(api.etcd, dataDir, "/auth-race-it/"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.fleetnet.controller.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.ApiFixture;
import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.AddRouteRequest;
import dev.fleetnet.proto.v1.AddSshKeyRequest;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.SetMachinePortsRequest;
import dev.fleetnet.proto.v1.SshKeyScope;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpResponse;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The REST API with a real HTTPS client (java.net.http) on a real controller and etcd, for every
 * resource: 401 without a token, 403 for a read-only token's writes with etcd's revision unchanged,
 * and each validation error with the very message the gRPC API gives for the same request.
 */
class RestApiIT {
    private static ApiFixture api;

    @BeforeAll
    static void start() throws Exception {
        api = ApiFixture.start("/rest-it/");
        try (FleetClient client = api.grpc(api.admin)) {
            client.machines().createMachine(CreateMachineRequest.newBuilder().setName("web").setHost("h1").addPorts(8080).build());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    private static JsonObject json(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    /** Every resource's list: 401 without a token (with the reason and WWW-Authenticate), 200 for a read-only token. */
    @ParameterizedTest
    @MethodSource("lists")
    void everyResourceNeedsATokenAndAReadOnlyOneMayRead(String path) throws Exception {
        HttpResponse<String> anonymous = api.send("GET", path, null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        JsonObject error = json(anonymous);
        assertThat(error.get("code").getAsString()).isEqualTo("UNAUTHENTICATED");
        assertThat(error.get("error").getAsString()).startsWith("no API token (expected: an 'authorization: Bearer TOKEN' header");
        assertThat(api.send("GET", path, null, "fnt_wrong").statusCode()).isEqualTo(401);
        assertThat(api.send("GET", path, null, api.readOnly).statusCode()).isEqualTo(200);
    }

    static Stream<String> lists() {
        return Stream.of("/v1/hosts", "/v1/networks", "/v1/machines", "/v1/routes", "/v1/certificates", "/v1/ssh/keys", "/v1/tokens",
                "/v1/join-tokens", "/v1/host-ca");
    }

    /** Every resource's writes with a read-only token: 403, and etcd's revision does not move. */
    @ParameterizedTest
    @MethodSource("writes")
    void aReadOnlyTokenWritingIsForbiddenAndWritesNothing(String method, String path, String body) throws Exception {
        long before = api.revision();
        HttpResponse<String> response = api.send(method, path, body, api.readOnly);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        JsonObject error = json(response);
        assertThat(error.get("code").getAsString()).isEqualTo("PERMISSION_DENIED");
        assertThat(error.get("error").getAsString()).startsWith("API token 'reader' is read-only and fleetnet.v1.")
                .endsWith(" writes (expected: a token created without --read-only)");
        assertThat(api.send(method, path, body, null).statusCode()).isEqualTo(401);
        assertThat(api.revision()).as("etcd revision").isEqualTo(before);
    }

    static Stream<Arguments> writes() {
        return Stream.of(
                Arguments.of("POST", "/v1/networks", "{\"name\":\"ro-net\"}"),
                Arguments.of("POST", "/v1/machines", "{\"name\":\"ro-web\",\"host\":\"h1\"}"),
                Arguments.of("DELETE", "/v1/machines/web", null),
                Arguments.of("POST", "/v1/machines/web/stop", null),
                Arguments.of("PUT", "/v1/machines/web/ports", "{\"ports\":[8080]}"),
                Arguments.of("POST", "/v1/routes", "{\"hostname\":\"ro.example.com\",\"machine\":\"web\",\"port\":8080}"),
                Arguments.of("DELETE", "/v1/routes/ro.example.com", null),
                Arguments.of("POST", "/v1/certificates", "{\"hostname\":\"ro.example.com\"}"),
                Arguments.of("DELETE", "/v1/certificates/ro.example.com", null),
                Arguments.of("POST", "/v1/ssh/keys", "{\"name\":\"ro\"}"),
                Arguments.of("DELETE", "/v1/ssh/keys/ro", null),
                Arguments.of("POST", "/v1/ssh/certificates", "{\"machine\":\"web\"}"),
                Arguments.of("POST", "/v1/tokens", "{\"name\":\"ro-admin\"}"),
                Arguments.of("DELETE", "/v1/tokens/admin", null),
                Arguments.of("POST", "/v1/join-tokens", "{\"host\":\"ro-host\"}"),
                Arguments.of("DELETE", "/v1/join-tokens/abcdefabcdef", null),
                Arguments.of("POST", "/v1/hosts/h1/rekey", null),
                Arguments.of("POST", "/v1/hosts/h1/revoke", null));
    }

    /**
     * Each resource's validation: REST answers the status of the gRPC code and the same message
     * the gRPC API gives for the same request, and writes nothing.
     */
    @ParameterizedTest
    @MethodSource("invalid")
    void validationErrorsAreTheGrpcOnes(String method, String path, String body, int status, String expectedPart,
            Consumer<FleetClient> sameOverGrpc) throws Exception {
        long before = api.revision();
        HttpResponse<String> response = api.send(method, path, body, api.admin);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonObject error = json(response);
        String grpcMessage;
        try (FleetClient client = api.grpc(api.admin)) {
            try {
                sameOverGrpc.accept(client);
                throw new AssertionError("the gRPC call was accepted");
            } catch (StatusRuntimeException e) {
                grpcMessage = e.getStatus().getDescription();
                assertThat(error.get("code").getAsString()).isEqualTo(e.getStatus().getCode().name());
            }
        }
        assertThat(error.get("error").getAsString()).isEqualTo(grpcMessage).contains(expectedPart);
        assertThat(api.revision()).isEqualTo(before);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("GET", "/v1/hosts/Bad_Host", null, 400, "host name: 'Bad_Host' (expected: ",
                        (Consumer<FleetClient>) c -> c.hosts().getHost(GetHostRequest.newBuilder().setName("Bad_Host").build())),
                Arguments.of("POST", "/v1/networks", "{\"name\":\"Net 1\"}", 400, "network name: 'Net 1' (expected: ",
                        (Consumer<FleetClient>) c -> c.networks().createNetwork(CreateNetworkRequest.newBuilder().setName("Net 1").build())),
                Arguments.of("POST", "/v1/machines", "{\"name\":\"web-x\",\"host\":\"h1\",\"ports\":[70000]}", 400,
                        "ports[0]: 70000 (expected: 1..65535)",
                        (Consumer<FleetClient>) c -> c.machines().createMachine(CreateMachineRequest.newBuilder().setName("web-x")
                                .setHost("h1").addPorts(70000).build())),
                Arguments.of("POST", "/v1/machines", "{\"name\":\"web-y\",\"host\":\"h9\"}", 404, "h9",
                        (Consumer<FleetClient>) c -> c.machines().createMachine(CreateMachineRequest.newBuilder().setName("web-y")
                                .setHost("h9").build())),
                Arguments.of("PUT", "/v1/machines/web/ports", "{\"ports\":[0]}", 400, "ports[0]: 0 (expected: 1..65535)",
                        (Consumer<FleetClient>) c -> c.machines().setMachinePorts(SetMachinePortsRequest.newBuilder().setName("web")
                                .addPorts(0).build())),
                Arguments.of("POST", "/v1/routes", "{\"hostname\":\"shop.example.com\",\"machine\":\"web\",\"port\":9000}", 400,
                        "port: 9000 (expected: ",
                        (Consumer<FleetClient>) c -> c.routes().addRoute(AddRouteRequest.newBuilder().setRoute(Route.newBuilder()
                                .setHostname("shop.example.com").setMachine("web").setPort(9000)).build())),
                Arguments.of("POST", "/v1/certificates", "{\"hostname\":\"shop.example.com\",\"certificate_chain_pem\":\"junk\","
                        + "\"private_key_pem\":\"junk\"}", 400, "",
                        (Consumer<FleetClient>) c -> c.certificates().addCertificate(AddCertificateRequest.newBuilder()
                                .setHostname("shop.example.com").setCertificateChainPem("junk").setPrivateKeyPem("junk").build())),
                Arguments.of("POST", "/v1/ssh/keys", "{\"name\":\"alice\",\"public_key\":\"not a key\",\"scope\":\"SSH_KEY_SCOPE_MACHINE\","
                        + "\"target\":\"web\"}", 400, "",
                        (Consumer<FleetClient>) c -> c.ssh().addKey(AddSshKeyRequest.newBuilder().setName("alice").setPublicKey("not a key")
                                .setScope(SshKeyScope.SSH_KEY_SCOPE_MACHINE).setTarget("web").build())),
                Arguments.of("POST", "/v1/tokens", "{\"name\":\"Bad Name\"}", 400, "token name: 'Bad Name' (expected: ",
                        (Consumer<FleetClient>) c -> c.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("Bad Name").build())),
                Arguments.of("GET", "/v1/machines/missing-one", null, 404, "missing-one",
                        (Consumer<FleetClient>) c -> c.machines().getMachine(dev.fleetnet.proto.v1.GetMachineRequest.newBuilder()
                                .setName("missing-one").build())));
    }

    @Test
    void machinesAndNetworksAreCreatedReadAndDeletedOverRest() throws Exception {
        HttpResponse<String> network = api.send("POST", "/v1/networks", "{\"name\":\"rest-net\"}", api.admin);
        assertThat(network.statusCode()).as(network.body()).isEqualTo(200);
        assertThat(json(network).get("prefix").getAsString()).startsWith("fdaa:");
        HttpResponse<String> created = api.send("POST", "/v1/machines",
                "{\"name\":\"rest-web\",\"host\":\"h2\",\"network\":\"rest-net\",\"ports\":[8080],\"backend\":\"BACKEND_NETNS\"}", api.admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonObject machine = json(created);
        assertThat(machine.get("address").getAsString()).startsWith("fdaa:");
        assertThat(machine.get("desired_state").getAsString()).isEqualTo("MACHINE_STATE_RUNNING");
        assertThat(json(api.send("GET", "/v1/machines?network=rest-net", null, api.readOnly)).getAsJsonArray("machines"))
                .hasSize(1);
        assertThat(json(api.send("GET", "/v1/machines/rest-web", null, api.readOnly)).get("host").getAsString()).isEqualTo("h2");
        HttpResponse<String> route = api.send("POST", "/v1/routes",
                "{\"hostname\":\"rest.example.com\",\"machine\":\"rest-web\",\"port\":8080}", api.admin);
        assertThat(route.statusCode()).as(route.body()).isEqualTo(200);
        assertThat(json(api.send("GET", "/v1/who-owns?hostname=rest.example.com", null, api.readOnly)).get("owner").getAsString())
                .isEqualTo("rest-web");
        assertThat(api.send("DELETE", "/v1/routes/rest.example.com?path_prefix=/", null, api.admin).statusCode()).isEqualTo(200);
        assertThat(api.send("DELETE", "/v1/machines/rest-web", null, api.admin).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/v1/machines/rest-web", null, api.admin).statusCode()).isEqualTo(404);
    }

    @Test
    void aTokenCreatedOverRestWorksOnceRevokedItIsRefused() throws Exception {
        JsonObject created = json(api.send("POST", "/v1/tokens", "{\"name\":\"rest-ci\",\"read_only\":true}", api.admin));
        String secret = created.get("secret").getAsString();
        assertThat(api.send("GET", "/v1/hosts", null, secret).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/v1/tokens", null, api.admin).body()).contains("rest-ci").doesNotContain(secret);
        assertThat(api.send("DELETE", "/v1/tokens/rest-ci", null, api.admin).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/v1/hosts", null, secret).statusCode()).isEqualTo(401);
    }

    @Test
    void joinTokensAreCreatedListedAndRevokedOverRestAndTheHostCaIsTheOneAgentsAreInstalledWith() throws Exception {
        JsonObject created = json(api.send("POST", "/v1/join-tokens", "{\"host\":\"h9\",\"ttl_seconds\":\"600\",\"uses\":2}",
                api.admin));
        String token = created.get("token").getAsString();
        String id = created.getAsJsonObject("info").get("id").getAsString();
        assertThat(created.getAsJsonObject("info").get("host").getAsString()).isEqualTo("h9");
        assertThat(created.getAsJsonObject("info").get("uses").getAsInt()).isEqualTo(2);
        HttpResponse<String> listed = api.send("GET", "/v1/join-tokens", null, api.readOnly);
        assertThat(listed.body()).as("listed, never with its secret").contains(id).doesNotContain(token);
        try (FleetClient grpc = api.grpc(api.admin)) {
            assertThat(grpc.hostIdentity().listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensList())
                    .anyMatch(t -> t.getId().equals(id) && t.getHost().equals("h9"));
            assertThat(json(api.send("GET", "/v1/host-ca", null, api.readOnly)).get("certificate_pem").getAsString())
                    .isEqualTo(grpc.hostIdentity().getHostCa(GetHostCaRequest.getDefaultInstance()).getCertificatePem());
        }
        assertThat(api.send("DELETE", "/v1/join-tokens/" + id, null, api.admin).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/v1/join-tokens", null, api.admin).body()).doesNotContain(id);
        HttpResponse<String> again = api.send("DELETE", "/v1/join-tokens/" + id, null, api.admin);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(json(again).get("error").getAsString()).startsWith("join token: '" + id + "' not found");
        HttpResponse<String> unknown = api.send("GET", "/v1/hosts/nobody/identity", null, api.readOnly);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    }

    @Test
    void requestsThatAreNotOperationsSayWhatWasExpected() throws Exception {
        HttpResponse<String> unknownPath = api.send("GET", "/v1/nothing", null, api.admin);
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(json(unknownPath).get("error").getAsString()).isEqualTo("no such path: GET /v1/nothing (expected: a path of /openapi.yaml)");
        HttpResponse<String> wrongMethod = api.send("PATCH", "/v1/machines", "{}", api.admin);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("GET, POST");
        HttpResponse<String> badJson = api.send("POST", "/v1/networks", "{\"name\": ", api.admin);
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(json(badJson).get("error").getAsString()).startsWith("body: ").endsWith("(expected: a JSON CreateNetworkRequest)");
        HttpResponse<String> unknownField = api.send("POST", "/v1/networks", "{\"nmae\":\"x\"}", api.admin);
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(json(unknownField).get("error").getAsString()).contains("nmae");
        HttpResponse<String> unknownQuery = api.send("GET", "/v1/machines?hots=h1", null, api.admin);
        assertThat(unknownQuery.statusCode()).isEqualTo(400);
        assertThat(json(unknownQuery).get("error").getAsString()).isEqualTo("query parameter 'hots' (expected: one of [host, network])");
        HttpResponse<String> badNumber = api.send("GET", "/v1/who-owns?public_port=eighty", null, api.admin);
        assertThat(badNumber.statusCode()).isEqualTo(400);
        assertThat(json(badNumber).get("error").getAsString()).isEqualTo("query parameter public_port: 'eighty' (expected: a whole number from 0)");
    }
}

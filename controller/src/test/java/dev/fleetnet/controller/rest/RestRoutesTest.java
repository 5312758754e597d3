package dev.fleetnet.controller.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.fleetnet.controller.auth.ApiMethods;
import dev.fleetnet.proto.v1.DeleteRouteRequest;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.WhoOwnsRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** REST paths find their operation and build the gRPC request, as plain objects. */
class RestRoutesTest {
    private final RestRoutes routes = new RestRoutes(RestRoutes.ALL);

    @Test
    void pathParametersAreDecodedPerSegment() {
        RestRoutes.Match match = routes.match("DELETE", "/v1/routes/tcp%2F8443");
        assertThat(match).isInstanceOfSatisfying(RestRoutes.Match.Found.class, f -> {
            assertThat(f.route().template()).isEqualTo("/v1/routes/{hostname}");
            assertThat(f.pathParameters()).containsExactly(Map.entry("hostname", "tcp/8443"));
            Message request = RestRequests.build(f.route(), f.pathParameters(), Map.of("path_prefix", List.of("/api")), "");
            assertThat(request).isEqualTo(DeleteRouteRequest.newBuilder().setHostname("tcp/8443").setPathPrefix("/api").build());
        });
        assertThat(routes.match("GET", "/v1/routes/*.example.com")).isInstanceOf(RestRoutes.Match.Found.class);
    }

    @Test
    void otherMethodsAndUnknownPathsAreToldApart() {
        assertThat(routes.match("PATCH", "/v1/machines/web")).isEqualTo(new RestRoutes.Match.MethodNotAllowed(List.of("DELETE", "GET")));
        assertThat(routes.match("GET", "/v1/machines/web/extra")).isInstanceOf(RestRoutes.Match.NotFound.class);
        assertThat(routes.match("GET", "/v1/machines/")).isInstanceOf(RestRoutes.Match.NotFound.class);
    }

    @Test
    void queryParametersAreTypedFieldsOfTheRequest() {
        RestRoute whoOwns = ((RestRoutes.Match.Found) routes.match("GET", "/v1/who-owns")).route();
        assertThat(RestRequests.build(whoOwns, Map.of(), Map.of("public_port", List.of("8443")), ""))
                .isEqualTo(WhoOwnsRequest.newBuilder().setPublicPort(8443).build());
        assertThatThrownBy(() -> RestRequests.build(whoOwns, Map.of(), Map.of("public_port", List.of("1", "2")), ""))
                .hasMessage("query parameter public_port: given 2 times (expected: once)");
        RestRoute list = ((RestRoutes.Match.Found) routes.match("GET", "/v1/machines")).route();
        assertThat(RestRequests.queryParameters(list)).containsExactly("host", "network");
        assertThat(RestRequests.build(list, Map.of(), Map.of("host", List.of("h1")), ""))
                .isEqualTo(ListMachinesRequest.newBuilder().setHost("h1").build());
        assertThatThrownBy(() -> RestRequests.build(list, Map.of(), Map.of(), "{\"host\":\"h1\"}"))
                .hasMessage("body: 13 characters (expected: none for GET /v1/machines)");
    }

    @Test
    void aPathParameterAndADifferentBodyValueAreRefused() {
        RestRoute ports = ((RestRoutes.Match.Found) routes.match("PUT", "/v1/machines/web/ports")).route();
        assertThatThrownBy(() -> RestRequests.build(ports, Map.of("name", "web"), Map.of(), "{\"name\":\"db\",\"ports\":[1]}"))
                .hasMessage("name: 'db' in the body but 'web' in the path (expected: the same, or only in the path)");
    }

    @Test
    void everyOperationCallsAClassifiedMethodAndReadsAreGets() {
        for (RestRoute route : RestRoutes.ALL) {
            ApiMethods.Access access = ApiMethods.access(route.grpcMethod().getFullMethodName()).orElseThrow();
            assertThat(access == ApiMethods.Access.READ).as(route.operation()).isEqualTo(route.httpMethod().equals("GET"));
        }
    }
}

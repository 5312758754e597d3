package dev.fleetnet.controller.rest;

import static dev.fleetnet.controller.rest.RestRoute.delete;
import static dev.fleetnet.controller.rest.RestRoute.get;
import static dev.fleetnet.controller.rest.RestRoute.post;
import static dev.fleetnet.controller.rest.RestRoute.postField;
import static dev.fleetnet.controller.rest.RestRoute.withBody;

import dev.fleetnet.proto.v1.ApiTokenServiceGrpc;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.HostIdentityServiceGrpc;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.SshServiceGrpc;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The REST operations of the public API and how a request's method and path find one. No netty here. */
public final class RestRoutes {
    /** Every REST operation; the OpenAPI document ({@code openapi.yaml}) describes exactly these. */
    public static final List<RestRoute> ALL = List.of(
            get("/v1/hosts", HostServiceGrpc.getListHostsMethod()),
            get("/v1/hosts/{name}", HostServiceGrpc.getGetHostMethod()),
            get("/v1/hosts/{name}/identity", HostIdentityServiceGrpc.getGetHostIdentityMethod()),
            post("/v1/hosts/{name}/rekey", HostIdentityServiceGrpc.getRekeyHostMethod(), RestRoute.Body.NONE),
            post("/v1/hosts/{name}/revoke", HostIdentityServiceGrpc.getRevokeHostMethod(), RestRoute.Body.NONE),
            get("/v1/host-ca", HostIdentityServiceGrpc.getGetHostCaMethod()),
            get("/v1/join-tokens", HostIdentityServiceGrpc.getListJoinTokensMethod()),
            withBody("POST", "/v1/join-tokens", HostIdentityServiceGrpc.getCreateJoinTokenMethod()),
            delete("/v1/join-tokens/{id}", HostIdentityServiceGrpc.getRevokeJoinTokenMethod()),
            get("/v1/networks", NetworkServiceGrpc.getListNetworksMethod()),
            withBody("POST", "/v1/networks", NetworkServiceGrpc.getCreateNetworkMethod()),
            get("/v1/machines", MachineServiceGrpc.getListMachinesMethod()),
            withBody("POST", "/v1/machines", MachineServiceGrpc.getCreateMachineMethod()),
            get("/v1/machines/{name}", MachineServiceGrpc.getGetMachineMethod()),
            delete("/v1/machines/{name}", MachineServiceGrpc.getDeleteMachineMethod()),
            post("/v1/machines/{name}/start", MachineServiceGrpc.getStartMachineMethod(), RestRoute.Body.NONE),
            post("/v1/machines/{name}/stop", MachineServiceGrpc.getStopMachineMethod(), RestRoute.Body.NONE),
            withBody("PUT", "/v1/machines/{name}/ports", MachineServiceGrpc.getSetMachinePortsMethod()),
            get("/v1/routes", RouteServiceGrpc.getListRoutesMethod()),
            postField("/v1/routes", RouteServiceGrpc.getAddRouteMethod(), "route"),
            get("/v1/routes/{hostname}", RouteServiceGrpc.getGetRouteMethod()),
            delete("/v1/routes/{hostname}", RouteServiceGrpc.getDeleteRouteMethod()),
            get("/v1/who-owns", RouteServiceGrpc.getWhoOwnsMethod()),
            get("/v1/route-stats", RouteServiceGrpc.getRouteStatsMethod()),
            get("/v1/certificates", CertificateServiceGrpc.getListCertificatesMethod()),
            withBody("POST", "/v1/certificates", CertificateServiceGrpc.getAddCertificateMethod()),
            delete("/v1/certificates/{hostname}", CertificateServiceGrpc.getDeleteCertificateMethod()),
            get("/v1/fleet-ca", CertificateServiceGrpc.getGetFleetCaMethod()),
            get("/v1/ssh/keys", SshServiceGrpc.getListKeysMethod()),
            withBody("POST", "/v1/ssh/keys", SshServiceGrpc.getAddKeyMethod()),
            delete("/v1/ssh/keys/{name}", SshServiceGrpc.getDeleteKeyMethod()),
            get("/v1/ssh/known-hosts", SshServiceGrpc.getGetKnownHostsMethod()),
            withBody("POST", "/v1/ssh/certificates", SshServiceGrpc.getIssueUserCertificateMethod()),
            get("/v1/tokens", ApiTokenServiceGrpc.getListTokensMethod()),
            withBody("POST", "/v1/tokens", ApiTokenServiceGrpc.getCreateTokenMethod()),
            delete("/v1/tokens/{name}", ApiTokenServiceGrpc.getRevokeTokenMethod()));

    /** What a method and path lead to. */
    public sealed interface Match {
        /** An operation, with its path parameters decoded. */
        record Found(RestRoute route, Map<String, String> pathParameters) implements Match {}

        /** The path exists with other methods. */
        record MethodNotAllowed(List<String> allowed) implements Match {}

        record NotFound() implements Match {}
    }

    private final List<RestRoute> routes;

    public RestRoutes(List<RestRoute> routes) {
        this.routes = List.copyOf(routes);
    }

    public List<RestRoute> routes() {
        return routes;
    }

    /** {@code rawPath} as sent (percent-encoded); each segment is decoded after the split, so {@code tcp%2F8080} is one. */
    public Match match(String httpMethod, String rawPath) {
        if (!rawPath.startsWith("/")) {
            return new Match.NotFound();
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        TreeSet<String> allowed = new TreeSet<>();
        for (RestRoute route : routes) {
            Map<String, String> parameters = bind(route.segments(), segments);
            if (parameters == null) {
                continue;
            }
            if (route.httpMethod().equals(httpMethod)) {
                return new Match.Found(route, parameters);
            }
            allowed.add(route.httpMethod());
        }
        return allowed.isEmpty() ? new Match.NotFound() : new Match.MethodNotAllowed(List.copyOf(allowed));
    }

    private static Map<String, String> bind(List<String> template, String[] segments) {
        if (template.size() != segments.length) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            String t = template.get(i);
            if (t.startsWith("{")) {
                String value;
                try {
                    value = URLDecoder.decode(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                if (value.isEmpty()) {
                    return null;
                }
                parameters.put(t.substring(1, t.length() - 1), value);
            } else if (!t.equals(segments[i])) {
                return null;
            }
        }
        return parameters;
    }
}

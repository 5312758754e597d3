package dev.fleetnet.controller.rest;

import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * One REST operation: an HTTP method and a path template ({@code /v1/machines/{name}}) bound to a
 * gRPC method of the public API. Path parameters set the request's fields of the same name; the
 * JSON body, when the operation takes one, is the whole request or the field {@code bodyField};
 * query parameters set the other fields of operations without a body.
 */
public record RestRoute(String httpMethod, String template, MethodDescriptor<?, ?> grpcMethod, Body body, String bodyField) {
    /** What the request body is. */
    public enum Body { NONE, WHOLE, FIELD }

    public RestRoute {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("template: '" + template + "' (expected: starting with '/')");
        }
        if ((body == Body.FIELD) != (bodyField != null)) {
            throw new IllegalArgumentException("bodyField: " + bodyField + " with body " + body + " (expected: a field exactly when FIELD)");
        }
    }

    public static RestRoute get(String template, MethodDescriptor<?, ?> method) {
        return new RestRoute("GET", template, method, Body.NONE, null);
    }

    public static RestRoute delete(String template, MethodDescriptor<?, ?> method) {
        return new RestRoute("DELETE", template, method, Body.NONE, null);
    }

    /** POST or PUT with the whole request as its body. */
    public static RestRoute withBody(String httpMethod, String template, MethodDescriptor<?, ?> method) {
        return new RestRoute(httpMethod, template, method, Body.WHOLE, null);
    }

    public static RestRoute post(String template, MethodDescriptor<?, ?> method, Body body) {
        return new RestRoute("POST", template, method, body, null);
    }

    /** POST whose body is one field of the request ({@code AddRouteRequest.route}). */
    public static RestRoute postField(String template, MethodDescriptor<?, ?> method, String field) {
        return new RestRoute("POST", template, method, Body.FIELD, field);
    }

    public List<String> segments() {
        return List.of(template.substring(1).split("/"));
    }

    /** Names of the path parameters, in order. */
    public List<String> pathParameters() {
        List<String> names = new ArrayList<>();
        for (String segment : segments()) {
            if (segment.startsWith("{") && segment.endsWith("}")) {
                names.add(segment.substring(1, segment.length() - 1));
            }
        }
        return names;
    }

    /** "GET /v1/machines/{name}". */
    public String operation() {
        return httpMethod + " " + template;
    }
}

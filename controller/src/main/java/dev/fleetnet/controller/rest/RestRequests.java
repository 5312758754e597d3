package dev.fleetnet.controller.rest;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Builds the gRPC request of a REST call from its path parameters, query parameters and JSON body
 * (protobuf's JSON mapping, proto field names or their lowerCamel forms). What cannot be a field of
 * the request is refused with IllegalArgumentException naming it and what was expected, before any
 * service runs.
 */
public final class RestRequests {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private RestRequests() {}

    public static Message build(RestRoute route, Map<String, String> pathParameters, Map<String, List<String>> query, String body) {
        Message.Builder request = prototype(route.grpcMethod()).newBuilderForType();
        switch (route.body()) {
            case NONE -> {
                if (!body.isBlank()) {
                    throw new IllegalArgumentException("body: " + body.length() + " characters (expected: none for "
                            + route.operation() + ")");
                }
            }
            case WHOLE -> merge(body, request, request.getDescriptorForType().getName());
            case FIELD -> {
                FieldDescriptor field = request.getDescriptorForType().findFieldByName(route.bodyField());
                merge(body, request.getFieldBuilder(field), field.getMessageType().getName());
            }
        }
        for (Map.Entry<String, String> parameter : pathParameters.entrySet()) {
            FieldDescriptor field = field(request, parameter.getKey(), "path parameter");
            Object inBody = request.hasField(field) ? request.getField(field) : null;
            Object value = convert(field, "path parameter " + parameter.getKey(), parameter.getValue());
            if (inBody != null && !inBody.equals(value)) {
                throw new IllegalArgumentException(field.getName() + ": '" + inBody + "' in the body but '" + parameter.getValue()
                        + "' in the path (expected: the same, or only in the path)");
            }
            request.setField(field, value);
        }
        if (!query.isEmpty() && route.body() != RestRoute.Body.NONE) {
            throw new IllegalArgumentException("query parameters " + query.keySet() + " (expected: none for " + route.operation()
                    + "; the fields go in the JSON body)");
        }
        for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
            if (pathParameters.containsKey(parameter.getKey())) {
                throw new IllegalArgumentException("query parameter " + parameter.getKey() + ": also in the path (expected: once)");
            }
            FieldDescriptor field = field(request, parameter.getKey(), "query parameter");
            String what = "query parameter " + parameter.getKey();
            if (field.isRepeated()) {
                for (String value : parameter.getValue()) {
                    request.addRepeatedField(field, convert(field, what, value));
                }
            } else if (parameter.getValue().size() != 1) {
                throw new IllegalArgumentException(what + ": given " + parameter.getValue().size() + " times (expected: once)");
            } else {
                request.setField(field, convert(field, what, parameter.getValue().get(0)));
            }
        }
        return request.build();
    }

    /** The fields a query may set for {@code route}: those of its request that are scalars and not in its path. */
    public static List<String> queryParameters(RestRoute route) {
        if (route.body() != RestRoute.Body.NONE) {
            return List.of();
        }
        return prototype(route.grpcMethod()).getDescriptorForType().getFields().stream()
                .filter(f -> f.getJavaType() != FieldDescriptor.JavaType.MESSAGE)
                .map(FieldDescriptor::getName).filter(name -> !route.pathParameters().contains(name)).toList();
    }

    static Message prototype(MethodDescriptor<?, ?> method) {
        if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller)
                || !(marshaller.getMessagePrototype() instanceof Message prototype)) {
            throw new IllegalStateException(method.getFullMethodName() + " has no protobuf request prototype");
        }
        return prototype;
    }

    private static void merge(String body, Message.Builder builder, String type) {
        if (body.isBlank()) {
            return; // an empty body is the empty message
        }
        try {
            PARSER.merge(body, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new IllegalArgumentException("body: " + e.getMessage() + " (expected: a JSON " + type + ")");
        }
    }

    private static FieldDescriptor field(Message.Builder request, String name, String what) {
        FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
        if (field == null || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            String known = request.getDescriptorForType().getFields().stream()
                    .filter(f -> f.getJavaType() != FieldDescriptor.JavaType.MESSAGE).map(FieldDescriptor::getName)
                    .collect(Collectors.toCollection(TreeSet::new)).toString();
            throw new IllegalArgumentException(what + " '" + name + "' (expected: one of " + known + ")");
        }
        return field;
    }

    private static Object convert(FieldDescriptor field, String what, String text) {
        try {
            return switch (field.getType()) {
                case STRING -> text;
                case BOOL -> switch (text) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new NumberFormatException();
                };
                case INT32, SINT32, SFIXED32 -> Integer.parseInt(text);
                case UINT32, FIXED32 -> Integer.parseUnsignedInt(text);
                case INT64, SINT64, SFIXED64 -> Long.parseLong(text);
                case UINT64, FIXED64 -> Long.parseUnsignedLong(text);
                case ENUM -> {
                    EnumValueDescriptor value = field.getEnumType().findValueByName(text);
                    if (value == null) {
                        throw new IllegalArgumentException(what + ": '" + text + "' (expected: one of "
                                + field.getEnumType().getValues().stream().map(EnumValueDescriptor::getName).toList() + ")");
                    }
                    yield value;
                }
                default -> throw new IllegalArgumentException(what + ": a " + field.getType() + " field (expected: a scalar)");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' (expected: " + switch (field.getJavaType()) {
                case BOOLEAN -> "true or false";
                default -> field.getType().name().startsWith("U") || field.getType().name().startsWith("FIXED")
                        ? "a whole number from 0" : "a whole number";
            } + ")");
        }
    }
}

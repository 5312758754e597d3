package dev.fleetnet.ingress.http;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny gRPC service built by hand (String messages, no codegen): {@code Say} echoes,
 * {@code Count} streams n replies, {@code Fail} ends NOT_FOUND, {@code Slow} sleeps past any
 * short deadline. Every call ends with the trailer {@code x-echo-trailer}; the request headers
 * each method last saw are kept for the test.
 */
final class EchoGrpc {
    static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-echo-trailer", Metadata.ASCII_STRING_MARSHALLER);
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

    final Map<String, Metadata> lastHeaders = new ConcurrentHashMap<>();
    /** Counts down when a Slow call is cancelled on the server: the client's RST_STREAM reached it. */
    final java.util.concurrent.CountDownLatch slowCancelled = new java.util.concurrent.CountDownLatch(1);

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    ServerServiceDefinition service() {
        ServerServiceDefinition plain = ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("echo: " + req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    for (int i = 1; i <= Integer.parseInt(req); i++) {
                        out.onNext("n" + i);
                    }
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no such thing: " + req).asRuntimeException())))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    ((io.grpc.stub.ServerCallStreamObserver<String>) out).setOnCancelHandler(slowCancelled::countDown);
                    try {
                        Thread.sleep(3000); // the behaviour under test: longer than the client's deadline
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("late");
                    out.onCompleted();
                }))
                .build();
        return ServerInterceptors.intercept(plain, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                lastHeaders.put(call.getMethodDescriptor().getBareMethodName(), headers);
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(TRAILER, "bye");
                        super.close(status, trailers);
                    }
                }, headers);
            }
        });
    }
}

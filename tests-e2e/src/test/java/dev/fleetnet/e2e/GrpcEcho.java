package dev.fleetnet.e2e;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tiny gRPC service (String messages, no codegen) run in a lab namespace, as a plain h2c
 * server inside a machine ({@code server PORT}) or as a TLS client in the underlay
 * ({@code client HOST PORT AUTHORITY CA}) that prints one line per check for the IT to read.
 */
public final class GrpcEcho {
    static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-echo-trailer", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> SEEN_PROTO = Metadata.Key.of("x-seen-forwarded-proto", Metadata.ASCII_STRING_MARSHALLER);
    private static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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
    static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

    private GrpcEcho() {}

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            serve(Integer.parseInt(args[1]));
        } else {
            call(args[1], Integer.parseInt(args[2]), args[3], new File(args[4]));
        }
    }

    private static void serve(int port) throws Exception {
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
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    try {
                        Thread.sleep(3000); // the behaviour under test: past the client's deadline
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("late");
                    out.onCompleted();
                }))
                .build();
        ServerServiceDefinition service = ServerInterceptors.intercept(plain, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String proto = headers.get(Metadata.Key.of("x-forwarded-proto", Metadata.ASCII_STRING_MARSHALLER));
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(TRAILER, "bye");
                        trailers.put(SEEN_PROTO, String.valueOf(proto));
                        super.close(status, trailers);
                    }
                }, headers);
            }
        });
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(port)).addService(service).build().start();
        System.out.println("ready");
        System.out.flush();
        server.awaitTermination();
    }

    private static void call(String host, int port, String authority, File ca) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).overrideAuthority(authority)
                .sslContext(GrpcSslContexts.forClient().trustManager(ca).build()).build();
        try {
            AtomicReference<Metadata> headers = new AtomicReference<>();
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            var captured = ClientInterceptors.intercept(channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
            String reply = ClientCalls.blockingUnaryCall(captured, SAY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "lab");
            System.out.println("unary=" + reply);
            System.out.println("trailer=" + trailers.get().get(TRAILER));
            System.out.println("proto=" + trailers.get().get(SEEN_PROTO));
            List<String> replies = new ArrayList<>();
            ClientCalls.blockingServerStreamingCall(channel, COUNT, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "20")
                    .forEachRemaining(replies::add);
            System.out.println("stream=" + replies.size() + " last=" + replies.getLast());
            try {
                ClientCalls.blockingUnaryCall(channel, SLOW, CallOptions.DEFAULT.withDeadlineAfter(500, TimeUnit.MILLISECONDS), "x");
                System.out.println("deadline=none");
            } catch (StatusRuntimeException e) {
                System.out.println("deadline=" + e.getStatus().getCode());
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

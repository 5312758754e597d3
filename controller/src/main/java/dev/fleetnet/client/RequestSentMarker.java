package dev.fleetnet.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Marks a failed call whose request had gone out on a connection ({@code fleetnet-request-sent: 1}
 * in its trailers, with the method's name): a deadline or a lost connection after that leaves a write's outcome unknown,
 * while a call that never left was not applied.
 */
final class RequestSentMarker implements ClientInterceptor {
    static final Metadata.Key<String> REQUEST_SENT = Metadata.Key.of("fleetnet-request-sent", Metadata.ASCII_STRING_MARSHALLER);
    /** The failed call's full method name ({@code fleetnet.v1.MachineService/CreateMachine}), for telling reads from writes. */
    static final Metadata.Key<String> METHOD = Metadata.Key.of("fleetnet-client-method", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        AtomicBoolean sent = new AtomicBoolean();
        ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void outboundMessageSent(int seqNo, long wireSize, long uncompressedSize) {
                        sent.set(true);
                    }
                };
            }
        };
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options.withStreamTracerFactory(tracers))) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (!status.isOk()) {
                            trailers.put(METHOD, method.getFullMethodName());
                            if (sent.get()) {
                                trailers.put(REQUEST_SENT, "1");
                            }
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}

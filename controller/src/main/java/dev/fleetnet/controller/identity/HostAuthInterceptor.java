package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.proto.v1.HostJoinGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent listener's gate: every call but {@code HostJoin/Join} must come with a client
 * certificate that {@link HostAuthenticator} accepts, or it is closed UNAUTHENTICATED with the
 * reason (and logged) before the service sees a message; an accepted call carries its
 * {@link AuthenticatedHost} in its context. Installed on the whole listener, so a service added
 * to it later is closed to unauthenticated callers too.
 */
public final class HostAuthInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(HostAuthInterceptor.class);
    /** The caller's address, for log lines. */
    public static final Context.Key<SocketAddress> REMOTE = Context.key("fleetnet-remote-address");
    private static final String JOIN = HostJoinGrpc.getJoinMethod().getFullMethodName();
    private final HostAuthenticator authenticator;

    public HostAuthInterceptor(HostAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Context context = Context.current().withValue(REMOTE, remote);
        String method = call.getMethodDescriptor().getFullMethodName();
        if (method.equals(JOIN)) {
            return Contexts.interceptCall(context, call, headers, next);
        }
        AuthenticatedHost host;
        try {
            host = authenticator.authenticate(peerCertificates(call));
        } catch (JoinRefused e) {
            log.warn("refused {} from {}: {}", method, remote, e.getMessage());
            return refuse(call, e.status());
        } catch (FleetException e) {
            log.warn("cannot check the identity of {} from {}: {}", method, remote, e.getMessage());
            return refuse(call, Status.UNAVAILABLE.withDescription("cannot check this host's identity now: " + e.getMessage()));
        }
        return Contexts.interceptCall(context.withValue(AuthenticatedHost.KEY, host), call, headers, next);
    }

    private static <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }

    private static Certificate[] peerCertificates(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            return session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
    }
}

package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.HostJoinGrpc;
import dev.fleetnet.proto.v1.JoinRequest;
import dev.fleetnet.proto.v1.JoinResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code HostJoin}: a host's one call without a certificate, answered with one (see {@link HostIdentities#join}). */
public final class JoinService extends HostJoinGrpc.HostJoinImplBase {
    private static final Logger log = LoggerFactory.getLogger(JoinService.class);
    private final HostIdentities identities;

    public JoinService(HostIdentities identities) {
        this.identities = identities;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
        SocketAddress remote = HostAuthInterceptor.REMOTE.get();
        String from = remote == null ? "an unknown address" : remote.toString();
        X509Certificate certificate;
        try {
            JoinTokens.Token token;
            try {
                token = JoinTokens.parse(request.getToken());
            } catch (IllegalArgumentException e) {
                log.warn("join refused from {}: {}", from, e.getMessage());
                throw new JoinRefused(JoinRefused.Kind.UNAUTHENTICATED, e.getMessage());
            }
            HostCsr.Request csr = HostCsr.parse(request.getCsr().toByteArray());
            certificate = identities.join(csr, token, from);
        } catch (JoinRefused e) {
            out.onError(e.status().asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            log.warn("join refused from {}: {}", from, e.getMessage());
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (FleetException e) {
            out.onError((e.kind() == FleetException.Kind.CONFLICT ? Status.ABORTED : Status.UNAVAILABLE)
                    .withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(JoinResponse.newBuilder().setCertificatePem(IdentityPem.certificate(certificate))
                .setCaPem(identities.ca().certificatePem()).build());
        out.onCompleted();
    }
}

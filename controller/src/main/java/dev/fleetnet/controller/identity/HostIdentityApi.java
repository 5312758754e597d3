package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.api.Calls;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.CreateJoinTokenResponse;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import dev.fleetnet.proto.v1.GetHostIdentityRequest;
import dev.fleetnet.proto.v1.HostCaCertificate;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.HostIdentityServiceGrpc;
import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.JoinTokenInfo;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.ListJoinTokensResponse;
import dev.fleetnet.proto.v1.RekeyHostRequest;
import dev.fleetnet.proto.v1.RevokeHostRequest;
import dev.fleetnet.proto.v1.RevokeJoinTokenRequest;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code HostIdentityService}: join tokens, re-keying and revocation for operators; never a token's secret after creation. */
public final class HostIdentityApi extends HostIdentityServiceGrpc.HostIdentityServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(HostIdentityApi.class);
    private final HostIdentities identities;

    public HostIdentityApi(HostIdentities identities) {
        this.identities = identities;
    }

    @Override
    public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> out) {
        Calls.unary(out, () -> {
            if (request.getTtlSeconds() < 0) {
                throw new IllegalArgumentException("ttl: " + request.getTtlSeconds() + "s (expected: 1s..365d)");
            }
            HostIdentities.CreatedToken created = identities.createToken(request.getHost(),
                    Duration.ofSeconds(request.getTtlSeconds()), request.getUses());
            return CreateJoinTokenResponse.newBuilder().setToken(created.token().text()).setInfo(info(created.stored())).build();
        });
    }

    @Override
    public void listJoinTokens(ListJoinTokensRequest request, StreamObserver<ListJoinTokensResponse> out) {
        Calls.unary(out, () -> ListJoinTokensResponse.newBuilder()
                .addAllTokens(identities.store().tokens().stream().map(HostIdentityApi::info).toList()).build());
    }

    @Override
    public void revokeJoinToken(RevokeJoinTokenRequest request, StreamObserver<JoinTokenInfo> out) {
        Calls.unary(out, () -> {
            String id = JoinTokens.checkId(request.getId());
            JoinToken deleted = identities.store().deleteToken(id);
            if (deleted == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "join token: '" + id + "' not found (expected: one of "
                        + identities.store().tokens().stream().map(JoinToken::getId).toList() + ")");
            }
            log.info("join token {} revoked ({} of {} uses spent)", id, deleted.getUsed(), deleted.getUses());
            return info(deleted);
        });
    }

    @Override
    public void rekeyHost(RekeyHostRequest request, StreamObserver<HostIdentity> out) {
        Calls.unary(out, () -> identities.rekey(request.getName()));
    }

    @Override
    public void revokeHost(RevokeHostRequest request, StreamObserver<HostIdentity> out) {
        Calls.unary(out, () -> identities.revoke(request.getName()));
    }

    @Override
    public void getHostIdentity(GetHostIdentityRequest request, StreamObserver<HostIdentity> out) {
        Calls.unary(out, () -> identities.identity(request.getName()));
    }

    @Override
    public void getHostCa(GetHostCaRequest request, StreamObserver<HostCaCertificate> out) {
        Calls.unary(out, () -> HostCaCertificate.newBuilder().setCertificatePem(identities.ca().certificatePem())
                .setSha256Fingerprint(identities.ca().sha256Fingerprint()).build());
    }

    /** What may be shown of a token: everything but its secret's hash. */
    static JoinTokenInfo info(JoinToken token) {
        return JoinTokenInfo.newBuilder().setId(token.getId()).setHost(token.getHost())
                .setCreatedEpochSeconds(token.getCreatedEpochSeconds()).setExpiresEpochSeconds(token.getExpiresEpochSeconds())
                .setUses(token.getUses()).setUsed(token.getUsed()).build();
    }
}

package dev.fleetnet.controller.auth;

import dev.fleetnet.controller.api.Calls;
import dev.fleetnet.proto.v1.ApiTokenServiceGrpc;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.proto.v1.CreateApiTokenResponse;
import dev.fleetnet.proto.v1.ListApiTokensRequest;
import dev.fleetnet.proto.v1.ListApiTokensResponse;
import dev.fleetnet.proto.v1.RevokeApiTokenRequest;
import dev.fleetnet.proto.v1.RevokeApiTokenResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/** {@code ApiTokenService}: create (the secret is in this answer only), list (never a secret) and revoke. */
public final class ApiTokenApi extends ApiTokenServiceGrpc.ApiTokenServiceImplBase {
    private final ApiTokenStore tokens;

    public ApiTokenApi(ApiTokenStore tokens) {
        this.tokens = tokens;
    }

    @Override
    public void createToken(CreateApiTokenRequest request, StreamObserver<CreateApiTokenResponse> out) {
        Calls.unary(out, () -> {
            if (request.getTtlSeconds() < 0) {
                throw new IllegalArgumentException("ttl_seconds: " + request.getTtlSeconds()
                        + " (expected: 0 for no expiry, or a positive number of seconds)");
            }
            ApiTokenStore.Created created = tokens.create(request.getName(), request.getReadOnly(),
                    Duration.ofSeconds(request.getTtlSeconds()));
            return CreateApiTokenResponse.newBuilder().setToken(created.token()).setSecret(created.secret()).build();
        });
    }

    @Override
    public void listTokens(ListApiTokensRequest request, StreamObserver<ListApiTokensResponse> out) {
        Calls.unary(out, () -> ListApiTokensResponse.newBuilder().addAllTokens(tokens.list()).build());
    }

    @Override
    public void revokeToken(RevokeApiTokenRequest request, StreamObserver<RevokeApiTokenResponse> out) {
        Calls.unary(out, () -> {
            tokens.revoke(request.getName());
            return RevokeApiTokenResponse.getDefaultInstance();
        });
    }
}

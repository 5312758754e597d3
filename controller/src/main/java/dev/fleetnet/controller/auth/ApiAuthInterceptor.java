package dev.fleetnet.controller.auth;

import dev.fleetnet.client.ApiErrors;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.proto.v1.ApiToken;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Authenticates every public API call by its bearer token and authorises it by the method's
 * class in {@link ApiMethods}: no or an unknown token is UNAUTHENTICATED, a read-only token calling
 * a method that writes is PERMISSION_DENIED; either way the service never runs, so nothing is written.
 * The token is looked up in etcd on each call (gRPC runs interceptors on its call executor, not the
 * event loop), so a revoked token is refused from the moment the revocation is committed.
 */
public final class ApiAuthInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The token the current call was made with. */
    public static final Context.Key<ApiToken> CALLER = Context.key("fleetnet-api-token");
    private static final String BEARER = "Bearer ";

    private final ApiTokenStore tokens;
    private final Clock clock;

    public ApiAuthInterceptor(ApiTokenStore tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        ApiToken token;
        try {
            token = authorise(method, headers.get(AUTHORIZATION));
        } catch (StatusRuntimeException refused) {
            call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, token), call, headers, next);
    }

    /** The caller's token if it may call {@code method}, else the status the call is refused with. */
    ApiToken authorise(String method, String authorization) {
        ApiMethods.Access access = ApiMethods.access(method).orElseThrow(() -> Status.PERMISSION_DENIED
                .withDescription(method + " is not classified as reading or writing, so no token may call it"
                        + " (expected: every public method in ApiMethods' table)").asRuntimeException());
        if (authorization == null || authorization.isBlank()) {
            throw unauthenticated("no API token (expected: an 'authorization: Bearer TOKEN' header;"
                    + " an admin creates tokens with `fleetnet token create NAME`)");
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String scheme = authorization.strip().split("\\s+", 2)[0];
            throw unauthenticated("authorization scheme '" + (scheme.length() > 20 ? scheme.substring(0, 20) + "..." : scheme)
                    + "' (expected: 'Bearer TOKEN')");
        }
        String secret = authorization.substring(BEARER.length()).strip();
        Optional<ApiToken> found;
        try {
            found = secret.isEmpty() ? Optional.empty() : tokens.find(secret);
        } catch (FleetException e) {
            throw ApiErrors.etcdUnavailable("cannot check the API token, etcd did not answer: " + e.getMessage());
        }
        // never the token itself in a message: it may be a real one mistyped
        ApiToken token = found.orElseThrow(() -> unauthenticated("unknown or revoked API token (expected: a token from"
                + " `fleetnet token create` that has not been revoked; `fleetnet token list` shows the names)"));
        Instant now = clock.instant();
        if (token.getExpiresEpochSeconds() != 0 && now.getEpochSecond() >= token.getExpiresEpochSeconds()) {
            throw unauthenticated("API token '" + token.getName() + "' expired at "
                    + Instant.ofEpochSecond(token.getExpiresEpochSeconds()) + " (expected: an unexpired token; create a new one)");
        }
        if (token.getReadOnly() && access == ApiMethods.Access.WRITE) {
            throw Status.PERMISSION_DENIED.withDescription("API token '" + token.getName() + "' is read-only and " + method
                    + " writes (expected: a token created without --read-only)").asRuntimeException();
        }
        return token;
    }

    private static StatusRuntimeException unauthenticated(String description) {
        return Status.UNAUTHENTICATED.withDescription(description).asRuntimeException();
    }
}

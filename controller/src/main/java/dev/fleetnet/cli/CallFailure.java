package dev.fleetnet.cli;

import dev.fleetnet.client.ApiErrors;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.auth.ApiMethods;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * What the CLI says when a command fails, and its exit status: a refusal of the controller
 * (1) is told apart from a controller that was not reached (3), one that answered that etcd is
 * unavailable (5), a write sent but never answered whose outcome is unknown (6), and a token
 * that is missing, unknown or not allowed (7).
 */
record CallFailure(String message, int exitCode) {
    static final int REFUSED = 1;
    static final int UNREACHABLE = 3;
    static final int ETCD_UNAVAILABLE = 5;
    static final int OUTCOME_UNKNOWN = 6;
    static final int NOT_AUTHORIZED = 7;

    /** The controller called, where its address came from, and where the token came from (null: none). */
    record Target(String address, String source, String tokenSource) {
        String controller() {
            return "the controller at " + address + " (from " + source + ")";
        }
    }

    static CallFailure of(Exception e, Supplier<Target> target) {
        if (!(e instanceof StatusRuntimeException s)) {
            return new CallFailure(e.getMessage() == null ? e.toString() : e.getMessage(), REFUSED);
        }
        Status status = s.getStatus();
        String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        String method = FleetClient.failedMethod(s).orElse("");
        boolean write = ApiMethods.access(method).map(a -> a == ApiMethods.Access.WRITE).orElse(true);
        boolean unanswered = status.getCode() == Status.Code.DEADLINE_EXCEEDED || status.getCode() == Status.Code.CANCELLED
                || (status.getCode() == Status.Code.UNAVAILABLE && !ApiErrors.isEtcdUnavailable(s));
        if (unanswered && write && FleetClient.requestWasSent(s)) {
            return new CallFailure("outcome unknown: " + shortName(method) + " was sent to " + target.get().controller()
                    + " but no answer came (" + status.getCode() + ": " + description + "); it may have been applied"
                    + " (expected: check with a get or list before trying again)", OUTCOME_UNKNOWN);
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> {
                if (ApiErrors.isEtcdUnavailable(s)) {
                    yield new CallFailure(target.get().controller() + " is up but etcd is unavailable: " + description
                            + " (expected: a running etcd the controller can reach; nothing was changed)", ETCD_UNAVAILABLE);
                }
                SSLException tls = tlsFailure(s);
                if (tls != null) {
                    yield new CallFailure("TLS with " + target.get().controller() + " failed: " + tls.getMessage()
                            + " (expected: its certificate signed by the CA in FLEETNET_CA or the context's ca-file,"
                            + " for the name or address used)", UNREACHABLE);
                }
                yield new CallFailure("cannot reach " + target.get().controller()
                        + ": " + rootCause(s) + " (is it running? start a lab with `./fleetnet lab up`, or pass --controller"
                        + " HOST:PORT)", UNREACHABLE);
            }
            case DEADLINE_EXCEEDED -> new CallFailure(target.get().controller() + " did not answer in time: " + description,
                    UNREACHABLE);
            case UNAUTHENTICATED -> {
                Target t = target.get();
                yield new CallFailure("UNAUTHENTICATED: " + description + (t.tokenSource() == null
                        ? " (this CLI found no token: set FLEETNET_TOKEN_FILE or FLEETNET_TOKEN, or use a context with one;"
                        + " see `fleetnet context add`)"
                        : " (token from " + t.tokenSource() + ")"), NOT_AUTHORIZED);
            }
            case PERMISSION_DENIED -> new CallFailure("PERMISSION_DENIED: " + description, NOT_AUTHORIZED);
            default -> new CallFailure(status.getCode() + ": " + description, REFUSED);
        };
    }

    private static String shortName(String method) {
        return method.isEmpty() ? "the request" : method.substring(method.lastIndexOf('.') + 1);
    }

    private static SSLException tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            return ((StatusRuntimeException) e).getStatus().getDescription() == null ? "no connection"
                    : ((StatusRuntimeException) e).getStatus().getDescription();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}

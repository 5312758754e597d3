package dev.fleetnet.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * What the controller adds to an error so a client can tell its causes apart: an UNAVAILABLE the
 * controller itself sent because etcd did not answer carries {@code fleetnet-cause: etcd-unavailable};
 * one without it comes from the transport (the controller was not reached).
 */
public final class ApiErrors {
    /** Trailer naming why a call failed, when the controller knows. */
    public static final Metadata.Key<String> CAUSE = Metadata.Key.of("fleetnet-cause", Metadata.ASCII_STRING_MARSHALLER);
    public static final String ETCD_UNAVAILABLE = "etcd-unavailable";

    private ApiErrors() {}

    /** An UNAVAILABLE status whose trailers say etcd did not answer. */
    public static StatusRuntimeException etcdUnavailable(String description) {
        Metadata trailers = new Metadata();
        trailers.put(CAUSE, ETCD_UNAVAILABLE);
        return Status.UNAVAILABLE.withDescription(description).asRuntimeException(trailers);
    }

    /** Whether the controller answered that etcd is unavailable. */
    public static boolean isEtcdUnavailable(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE && e.getTrailers() != null
                && ETCD_UNAVAILABLE.equals(e.getTrailers().get(CAUSE));
    }
}

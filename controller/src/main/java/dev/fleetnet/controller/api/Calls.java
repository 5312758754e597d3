package dev.fleetnet.controller.api;

import dev.fleetnet.client.ApiErrors;
import dev.fleetnet.controller.store.FleetException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one unary call and turns refusals into gRPC statuses whose messages are meant for people. */
public final class Calls {
    private static final Logger log = LoggerFactory.getLogger(Calls.class);

    private Calls() {}

    public static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (FleetException e) {
            // an etcd that did not answer is told apart from a controller that was not reached (ApiErrors)
            out.onError(e.kind() == FleetException.Kind.UNAVAILABLE ? ApiErrors.etcdUnavailable(e.getMessage())
                    : status(e).withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (RuntimeException e) {
            log.error("internal error", e);
            out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    private static Status status(FleetException e) {
        return switch (e.kind()) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case CONFLICT -> Status.ABORTED;
            case EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
        };
    }
}

package dev.fleetnet.controller.api;

import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import io.grpc.stub.StreamObserver;
import java.util.stream.Collectors;

/** {@code HostService}: hosts as they joined, with their live connection state. */
public final class HostApi extends HostServiceGrpc.HostServiceImplBase {
    private final FleetStore store;

    public HostApi(FleetStore store) {
        this.store = store;
    }

    @Override
    public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> out) {
        Calls.unary(out, () -> ListHostsResponse.newBuilder().addAllHosts(store.hosts()).build());
    }

    @Override
    public void getHost(GetHostRequest request, StreamObserver<Host> out) {
        Calls.unary(out, () -> {
            Names.check("host name", request.getName());
            Host host = store.host(request.getName());
            if (host == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "host: '" + request.getName()
                        + "' not found (expected: one of " + store.hosts().stream().map(Host::getName)
                        .collect(Collectors.joining(", ")) + ")");
            }
            return host;
        });
    }
}

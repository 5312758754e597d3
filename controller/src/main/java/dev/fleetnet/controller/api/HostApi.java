package dev.fleetnet.controller.api;

import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.GetHostRequest;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.ListHostsRequest;
import dev.fleetnet.proto.v1.ListHostsResponse;
import io.grpc.stub.StreamObserver;

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
        Calls.unary(out, () -> store.requireHost(Names.check("host name", request.getName())));
    }
}

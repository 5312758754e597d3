package dev.fleetnet.controller.api;

import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.proto.v1.CreateNetworkRequest;
import dev.fleetnet.proto.v1.ListNetworksRequest;
import dev.fleetnet.proto.v1.ListNetworksResponse;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import io.grpc.stub.StreamObserver;

/** {@code NetworkService}: networks, one /48 each. */
public final class NetworkApi extends NetworkServiceGrpc.NetworkServiceImplBase {
    private final FleetStore store;

    public NetworkApi(FleetStore store) {
        this.store = store;
    }

    @Override
    public void createNetwork(CreateNetworkRequest request, StreamObserver<Network> out) {
        Calls.unary(out, () -> store.createNetwork(request.getName()));
    }

    @Override
    public void listNetworks(ListNetworksRequest request, StreamObserver<ListNetworksResponse> out) {
        Calls.unary(out, () -> ListNetworksResponse.newBuilder().addAllNetworks(store.networks()).build());
    }
}

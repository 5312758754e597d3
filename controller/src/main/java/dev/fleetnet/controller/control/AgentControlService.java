package dev.fleetnet.controller.control;

import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.identity.AuthenticatedHost;
import dev.fleetnet.controller.identity.HostIdentities;
import dev.fleetnet.controller.ssh.FleetSshCa;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import io.etcd.jetcd.Lease;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;

/**
 * The agents' control channel: one {@link AgentSession} per connected agent, for the host its
 * client certificate names ({@link AuthenticatedHost}, set by the listener's interceptor).
 */
public final class AgentControlService extends AgentControlGrpc.AgentControlImplBase {
    private final SessionContext context;

    /**
     * What every session shares; {@code sshCa}, unless null, signs each host's SSH host
     * certificate; {@code identities}, unless null, renews host certificates; {@code consoles},
     * unless null, spends the web console tokens the agents' ingresses receive.
     */
    record SessionContext(FleetStore store, FleetWatcher watcher, Lease leases, String controllerId,
            ExecutorService blocking, RouteCountersBoard counters, FleetSshCa sshCa, HostIdentities identities,
            ConsoleStore consoles, String suffix) {}

    /**
     * Route counters the agents report are kept on {@code counters} (memory only); web console
     * tokens are spent from {@code consoles}; {@code suffix} is the ingress suffix, whose names every
     * host's ingress terminates TLS for (which certificates a view carries).
     */
    public AgentControlService(FleetStore store, FleetWatcher watcher, Lease leases, String controllerId,
            ExecutorService blocking, RouteCountersBoard counters, FleetSshCa sshCa, HostIdentities identities,
            ConsoleStore consoles, String suffix) {
        this.context = new SessionContext(store, watcher, leases, controllerId, blocking, counters, sshCa, identities, consoles, suffix);
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> out) {
        AuthenticatedHost host = AuthenticatedHost.KEY.get();
        if (host == null) { // only if the listener was built without its interceptor: fail closed
            out.onError(Status.UNAUTHENTICATED.withDescription("control stream: no host certificate was checked for it"
                    + " (expected: a client certificate from the fleet host CA)").asRuntimeException());
            return new StreamObserver<>() {
                @Override public void onNext(AgentMessage value) {}
                @Override public void onError(Throwable t) {}
                @Override public void onCompleted() {}
            };
        }
        return new AgentSession(context, host, out);
    }
}

package dev.fleetnet.controller.control;

import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.ssh.FleetSshCa;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import io.etcd.jetcd.Lease;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;

/** The agents' control channel: one {@link AgentSession} per connected agent. */
public final class AgentControlService extends AgentControlGrpc.AgentControlImplBase {
    private final SessionContext context;

    /** What every session shares. */
    record SessionContext(FleetStore store, FleetWatcher watcher, Lease leases, byte[] joinToken, String controllerId,
            ExecutorService blocking, RouteCountersBoard counters, FleetSshCa sshCa, ConsoleStore consoles) {}

    /** Without an SSH CA: agents get no host certificates. */
    public AgentControlService(FleetStore store, FleetWatcher watcher, Lease leases, byte[] joinToken, String controllerId,
            ExecutorService blocking) {
        this(store, watcher, leases, joinToken, controllerId, blocking, new RouteCountersBoard(), null);
    }

    /**
     * Route counters the agents report are kept on {@code counters} (memory only); {@code sshCa}, unless
     * null, signs each host's SSH host certificate.
     */
    public AgentControlService(FleetStore store, FleetWatcher watcher, Lease leases, byte[] joinToken, String controllerId,
            ExecutorService blocking, RouteCountersBoard counters, FleetSshCa sshCa) {
        this(store, watcher, leases, joinToken, controllerId, blocking, counters, sshCa, null);
    }

    /** As above; {@code consoles}, unless null, spends the web console tokens the agents' ingresses receive. */
    public AgentControlService(FleetStore store, FleetWatcher watcher, Lease leases, byte[] joinToken, String controllerId,
            ExecutorService blocking, RouteCountersBoard counters, FleetSshCa sshCa, ConsoleStore consoles) {
        this.context = new SessionContext(store, watcher, leases, joinToken.clone(), controllerId, blocking, counters, sshCa,
                consoles);
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> out) {
        return new AgentSession(context, out);
    }
}

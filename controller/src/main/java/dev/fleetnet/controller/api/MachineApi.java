package dev.fleetnet.controller.api;

import dev.fleetnet.controller.store.ApplyWait;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.core.Names;
import dev.fleetnet.core.Ports;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineRequest;
import dev.fleetnet.proto.v1.DeleteMachineResponse;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.HostApplied;
import dev.fleetnet.proto.v1.ListMachinesRequest;
import dev.fleetnet.proto.v1.ListMachinesResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.SetMachinePortsRequest;
import dev.fleetnet.proto.v1.SshMode;
import dev.fleetnet.proto.v1.StartMachineRequest;
import dev.fleetnet.proto.v1.StopMachineRequest;
import io.grpc.stub.StreamObserver;
import java.util.TreeSet;

/** {@code MachineService}: validates every field before anything is written. */
public final class MachineApi extends MachineServiceGrpc.MachineServiceImplBase {
    static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(10);
    private final FleetStore store;

    public MachineApi(FleetStore store) {
        this.store = store;
    }

    @Override
    public void createMachine(CreateMachineRequest request, StreamObserver<Machine> out) {
        Calls.unary(out, () -> store.createMachine(validate(request)));
    }

    /** The machine to store, or IllegalArgumentException naming the bad field. */
    static Machine validate(CreateMachineRequest request) {
        Names.check("machine name", request.getName());
        String network = request.getNetwork().isEmpty() ? Names.DEFAULT_NETWORK : Names.check("network", request.getNetwork());
        Names.check("host", request.getHost());
        Backend backend = switch (request.getBackend()) {
            case BACKEND_UNSPECIFIED, BACKEND_NETNS -> Backend.BACKEND_NETNS;
            case BACKEND_TAP -> Backend.BACKEND_TAP;
            default -> throw new IllegalArgumentException("backend: " + request.getBackendValue()
                    + " (expected: BACKEND_NETNS or BACKEND_TAP)");
        };
        TreeSet<Integer> ports = new TreeSet<>();
        for (int i = 0; i < request.getPortsCount(); i++) {
            ports.add(Ports.check("ports[" + i + "]", Integer.toUnsignedLong(request.getPorts(i))));
        }
        String app = request.getApp().isEmpty() ? "" : Names.check("app", request.getApp());
        SshMode ssh = switch (request.getSsh()) {
            case SSH_MODE_DEFAULT -> backend == Backend.BACKEND_TAP ? SshMode.SSH_MODE_RELAY : SshMode.SSH_MODE_DEFAULT;
            case SSH_MODE_RELAY -> SshMode.SSH_MODE_RELAY;
            default -> throw new IllegalArgumentException("ssh: " + request.getSshValue() + " (expected: SSH_MODE_DEFAULT or SSH_MODE_RELAY)");
        };
        return Machine.newBuilder().setName(request.getName()).setNetwork(network).setHost(request.getHost())
                .setBackend(backend).addAllPorts(ports).setApp(app).setSsh(ssh)
                .setDesiredState(request.getStopped() ? MachineState.MACHINE_STATE_STOPPED : MachineState.MACHINE_STATE_RUNNING)
                .build();
    }

    @Override
    public void getMachine(GetMachineRequest request, StreamObserver<Machine> out) {
        Calls.unary(out, () -> store.machine(Names.check("machine name", request.getName())));
    }

    @Override
    public void listMachines(ListMachinesRequest request, StreamObserver<ListMachinesResponse> out) {
        Calls.unary(out, () -> ListMachinesResponse.newBuilder()
                .addAllMachines(store.machines(request.getHost(), request.getNetwork())).build());
    }

    @Override
    public void startMachine(StartMachineRequest request, StreamObserver<Machine> out) {
        Calls.unary(out, () -> store.setDesiredState(Names.check("machine name", request.getName()),
                MachineState.MACHINE_STATE_RUNNING).machine());
    }

    /**
     * Stops a machine and waits, at most {@link #STOP_WAIT}, until its host has applied the stop
     * (routes withdrawn, link gone), so no request reaches it after the call returns. The answer's
     * {@code host_applied} says whether it did or the wait gave up (timed out, or the host is
     * disconnected): the stop is recorded either way.
     */
    @Override
    public void stopMachine(StopMachineRequest request, StreamObserver<Machine> out) {
        Calls.unary(out, () -> {
            FleetStore.Update stopped = store.setDesiredState(Names.check("machine name", request.getName()),
                    MachineState.MACHINE_STATE_STOPPED);
            ApplyWait wait = store.status().awaitApplied(stopped.machine().getHost(), stopped.revision(), STOP_WAIT);
            Machine machine = wait instanceof ApplyWait.Applied ? store.machine(request.getName()) : stopped.machine();
            return machine.toBuilder().setHostApplied(hostApplied(wait)).build();
        });
    }

    static HostApplied hostApplied(ApplyWait wait) {
        HostApplied.Outcome outcome = switch (wait) {
            case ApplyWait.Applied applied -> HostApplied.Outcome.OUTCOME_APPLIED;
            case ApplyWait.TimedOut timedOut -> HostApplied.Outcome.OUTCOME_TIMED_OUT;
            case ApplyWait.HostDisconnected disconnected -> HostApplied.Outcome.OUTCOME_HOST_DISCONNECTED;
        };
        return HostApplied.newBuilder().setOutcome(outcome).setHost(wait.host()).setRevision(wait.revision())
                .setHostRevision(wait.hostRevision()).setWaitedMillis(wait.waited().toMillis()).build();
    }

    @Override
    public void setMachinePorts(SetMachinePortsRequest request, StreamObserver<Machine> out) {
        Calls.unary(out, () -> {
            Names.check("machine name", request.getName());
            TreeSet<Integer> ports = new TreeSet<>();
            for (int i = 0; i < request.getPortsCount(); i++) {
                ports.add(Ports.check("ports[" + i + "]", Integer.toUnsignedLong(request.getPorts(i))));
            }
            return store.setPorts(request.getName(), ports).machine();
        });
    }

    @Override
    public void deleteMachine(DeleteMachineRequest request, StreamObserver<DeleteMachineResponse> out) {
        Calls.unary(out, () -> {
            store.deleteMachine(Names.check("machine name", request.getName()));
            return DeleteMachineResponse.getDefaultInstance();
        });
    }
}

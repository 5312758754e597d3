package dev.fleetnet.controller.auth;

import dev.fleetnet.proto.v1.ApiTokenServiceGrpc;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.ConsoleServiceGrpc;
import dev.fleetnet.proto.v1.HostIdentityServiceGrpc;
import dev.fleetnet.proto.v1.HostServiceGrpc;
import dev.fleetnet.proto.v1.MachineServiceGrpc;
import dev.fleetnet.proto.v1.NetworkServiceGrpc;
import dev.fleetnet.proto.v1.RouteServiceGrpc;
import dev.fleetnet.proto.v1.SshServiceGrpc;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether each method of the public API reads or writes: the table the authorisation interceptor
 * decides by. Every method a public service has must be here; {@link #bind} refuses a service
 * with one that is not, so a new method cannot be served unclassified.
 */
public final class ApiMethods {
    /** What a call may do to the fleet's state. */
    public enum Access { READ, WRITE }

    private static final Map<String, Access> TABLE = Map.ofEntries(
            read(HostServiceGrpc.getListHostsMethod()),
            read(HostServiceGrpc.getGetHostMethod()),
            write(NetworkServiceGrpc.getCreateNetworkMethod()),
            read(NetworkServiceGrpc.getListNetworksMethod()),
            write(MachineServiceGrpc.getCreateMachineMethod()),
            read(MachineServiceGrpc.getGetMachineMethod()),
            read(MachineServiceGrpc.getListMachinesMethod()),
            write(MachineServiceGrpc.getStartMachineMethod()),
            write(MachineServiceGrpc.getStopMachineMethod()),
            write(MachineServiceGrpc.getDeleteMachineMethod()),
            write(MachineServiceGrpc.getSetMachinePortsMethod()),
            write(RouteServiceGrpc.getAddRouteMethod()),
            read(RouteServiceGrpc.getListRoutesMethod()),
            read(RouteServiceGrpc.getGetRouteMethod()),
            write(RouteServiceGrpc.getDeleteRouteMethod()),
            read(RouteServiceGrpc.getWhoOwnsMethod()),
            read(RouteServiceGrpc.getRouteStatsMethod()),
            write(CertificateServiceGrpc.getAddCertificateMethod()),
            read(CertificateServiceGrpc.getListCertificatesMethod()),
            write(CertificateServiceGrpc.getDeleteCertificateMethod()),
            read(CertificateServiceGrpc.getGetFleetCaMethod()),
            write(SshServiceGrpc.getAddKeyMethod()),
            read(SshServiceGrpc.getListKeysMethod()),
            write(SshServiceGrpc.getDeleteKeyMethod()),
            read(SshServiceGrpc.getGetKnownHostsMethod()),
            // a certificate opens a machine: granting access is a write, whatever it stores
            write(SshServiceGrpc.getIssueUserCertificateMethod()),
            // a console link opens a shell in a machine, as a certificate does
            write(ConsoleServiceGrpc.getOpenConsoleMethod()),
            write(ApiTokenServiceGrpc.getCreateTokenMethod()),
            read(ApiTokenServiceGrpc.getListTokensMethod()),
            write(ApiTokenServiceGrpc.getRevokeTokenMethod()),
            // a join token lets a host into the fleet: making one is a write, as revoking or re-keying is
            write(HostIdentityServiceGrpc.getCreateJoinTokenMethod()),
            read(HostIdentityServiceGrpc.getListJoinTokensMethod()),
            write(HostIdentityServiceGrpc.getRevokeJoinTokenMethod()),
            write(HostIdentityServiceGrpc.getRekeyHostMethod()),
            write(HostIdentityServiceGrpc.getRevokeHostMethod()),
            read(HostIdentityServiceGrpc.getGetHostIdentityMethod()),
            read(HostIdentityServiceGrpc.getGetHostCaMethod()));

    /**
     * Services that are not the public API (their callers authenticate otherwise: the agent
     * listener's host certificates, or a join token for the join), by full service name.
     */
    public static final List<String> NOT_PUBLIC = List.of("fleetnet.v1.AgentControl", "fleetnet.v1.HostJoin");

    private ApiMethods() {}

    /** How {@code fullMethodName} ({@code fleetnet.v1.MachineService/CreateMachine}) is classified, if it is. */
    public static Optional<Access> access(String fullMethodName) {
        return Optional.ofNullable(TABLE.get(fullMethodName));
    }

    /** Every classified method, by full name. */
    public static Map<String, Access> table() {
        return TABLE;
    }

    /**
     * The services with {@code interceptor} in front of each; IllegalStateException naming every
     * method that is not in the table.
     */
    public static List<ServerServiceDefinition> bind(List<BindableService> services, ServerInterceptor interceptor) {
        List<String> unclassified = new ArrayList<>();
        List<ServerServiceDefinition> bound = new ArrayList<>();
        for (BindableService service : services) {
            ServerServiceDefinition definition = service.bindService();
            for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
                if (!TABLE.containsKey(method.getMethodDescriptor().getFullMethodName())) {
                    unclassified.add(method.getMethodDescriptor().getFullMethodName());
                }
            }
            bound.add(ServerInterceptors.intercept(definition, interceptor));
        }
        if (!unclassified.isEmpty()) {
            throw new IllegalStateException("public API methods not classified as read or write: "
                    + unclassified.stream().sorted().collect(Collectors.joining(", ")) + " (expected: each in ApiMethods' table)");
        }
        return bound;
    }

    private static Map.Entry<String, Access> read(MethodDescriptor<?, ?> method) {
        return Map.entry(method.getFullMethodName(), Access.READ);
    }

    private static Map.Entry<String, Access> write(MethodDescriptor<?, ?> method) {
        return Map.entry(method.getFullMethodName(), Access.WRITE);
    }
}

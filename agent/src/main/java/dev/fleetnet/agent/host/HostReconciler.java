package dev.fleetnet.agent.host;

import dev.fleetnet.agent.wireguard.MeshConfig;
import dev.fleetnet.agent.wireguard.MeshPlan;
import dev.fleetnet.agent.wireguard.WireGuardDevice;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Brings the host to a {@link DesiredHost} and a {@link MeshConfig}: reads what exists, changes
 * only what differs, and says what it changed. Machines it finds by its naming (namespace
 * prefix, {@code fm…} links) are adopted, not recreated; ones the view no longer has are removed.
 * Threading: one caller at a time (the agent's reconcile thread).
 */
public final class HostReconciler {
    private static final String GATEWAY_CIDR = AddressPlan.GATEWAY + "/64";
    private final LinuxNetworking net;
    private final WireGuardDevice mesh;
    private final String netnsPrefix;
    private boolean forwardingSet;
    /** Machines as of the last pass that applied them without error. */
    private java.util.Map<String, DesiredHost.MachineLink> applied = java.util.Map.of();

    public HostReconciler(LinuxNetworking net, WireGuardDevice mesh, String netnsPrefix) {
        this.net = net;
        this.mesh = mesh;
        this.netnsPrefix = netnsPrefix;
    }

    /** What one reconcile did: the changes made (empty = no changes) and each machine's status. */
    public record Result(List<String> changes, List<MachineStatus> statuses) {
        public boolean noChanges() {
            return changes.isEmpty();
        }
    }

    /**
     * One pass. Host-side state is read once per pass; the inside of a machine's namespace is
     * checked when the machine is new or changed since the last pass, or when {@code deep}
     * (the periodic resync that heals drift).
     */
    public Result reconcile(DesiredHost desired, MeshConfig desiredMesh, boolean deep) throws IOException {
        List<String> changes = new ArrayList<>();
        reconcileMesh(desired, desiredMesh, changes);
        HostSnapshot host = new HostSnapshot(net);
        List<MachineStatus> statuses = new ArrayList<>();
        java.util.Map<String, DesiredHost.MachineLink> nowApplied = new java.util.HashMap<>();
        for (DesiredHost.MachineLink machine : desired.machines()) {
            boolean known = !deep && machine.equals(applied.get(machine.name()));
            MachineStatus status = reconcileMachine(machine, known, host, changes);
            statuses.add(status);
            if (status.getState() != MachineState.MACHINE_STATE_FAILED) {
                nowApplied.put(machine.name(), machine);
            }
        }
        removeLeftovers(desired, host, changes);
        applied = nowApplied;
        return new Result(List.copyOf(changes), List.copyOf(statuses));
    }

    private void reconcileMesh(DesiredHost desired, MeshConfig desiredMesh, List<String> changes) throws IOException {
        if (mesh.ensure()) {
            changes.add("started mesh device " + mesh.name());
        }
        List<String> plan = MeshPlan.between(mesh.read(), desiredMesh);
        if (!plan.isEmpty()) {
            mesh.apply(plan);
            changes.add("mesh: " + plan.stream().filter(l -> l.startsWith("public_key=") || l.startsWith("remove")
                    || l.startsWith("endpoint") || l.startsWith("listen_port")).count() + " peer/device settings");
        }
        String dev = desired.meshInterface();
        if (!linkUp(null, dev)) {
            net.setUp(null, dev);
            changes.add("up " + dev);
        }
        String infra = desired.infraAddress() == null ? null : desired.infraAddress() + "/128";
        List<String> addresses = net.addresses(null, dev);
        for (String stale : addresses) {
            if (stale.startsWith("fdaa:") && !stale.equals(infra)) { // e.g. from before the host was renumbered
                net.removeAddress(null, dev, stale);
                changes.add("removed address " + stale + " from " + dev);
            }
        }
        if (infra != null && !addresses.contains(infra)) {
            net.addAddress(null, dev, infra);
            changes.add("address " + desired.infraAddress() + " on " + dev);
        }
        if (!desired.serviceAddresses().isEmpty() && !linkUp(null, "lo")) {
            net.setUp(null, "lo");
            changes.add("up lo");
        }
        for (String service : desired.serviceAddresses()) {
            if (ensureAddress(null, "lo", service + "/128")) {
                changes.add("service address " + service + " on lo");
            }
        }
        if (ensureRoute(null, Route.onLink(AddressPlan.MESH_PREFIX, dev))) {
            changes.add("route " + AddressPlan.MESH_PREFIX + " dev " + dev);
        }
        if (!forwardingSet) {
            net.setSysctl(null, "net.ipv6.conf.all.forwarding", "1");
            forwardingSet = true;
        }
    }

    private MachineStatus reconcileMachine(DesiredHost.MachineLink m, boolean known, HostSnapshot host, List<String> changes) {
        MachineStatus.Builder status = MachineStatus.newBuilder().setName(m.name()).setLink(m.link());
        try {
            if (m.backend() == Backend.BACKEND_TAP) {
                reconcileTap(m, known, host, changes);
            } else {
                status.setNetns(m.netns());
                reconcileNetns(m, known, host, changes);
            }
            return status.setState(m.running() ? MachineState.MACHINE_STATE_RUNNING : MachineState.MACHINE_STATE_STOPPED).build();
        } catch (RuntimeException e) {
            return status.setState(MachineState.MACHINE_STATE_FAILED).setMessage(e.getMessage()).build();
        }
    }

    private void reconcileNetns(DesiredHost.MachineLink m, boolean known, HostSnapshot host, List<String> changes) {
        if (!host.namespaces.contains(m.netns())) {
            net.createNamespace(m.netns());
            host.namespaces.add(m.netns());
            changes.add("namespace " + m.netns());
            known = false;
        }
        if (!m.running()) {
            stop(m, host, changes);
            return;
        }
        replaceIfOtherKind(m, "veth", host, changes);
        if (!host.links.containsKey(m.link())) {
            net.addVeth(m.link(), "eth0", m.netns());
            host.links.put(m.link(), new LinuxNetworking.Link(m.link(), "veth", false));
            changes.add("veth " + m.link() + " <-> " + m.netns() + "/eth0");
            known = false;
        }
        if (!known) {
            for (String link : List.of("lo", "eth0")) {
                if (!linkUp(m.netns(), link)) {
                    net.setUp(m.netns(), link);
                    changes.add("up " + m.netns() + "/" + link);
                }
            }
            String address = m.address() + "/128";
            List<String> addresses = net.addresses(m.netns(), "eth0");
            for (String stale : addresses) {
                if (!stale.startsWith("fe80:") && !stale.equals(address)) { // a renumbered machine
                    net.removeAddress(m.netns(), "eth0", stale);
                    changes.add("removed address " + stale + " in " + m.netns());
                }
            }
            if (!addresses.contains(address)) {
                net.addAddress(m.netns(), "eth0", address);
                changes.add("address " + m.address() + " in " + m.netns());
            }
            if (ensureRoute(m.netns(), Route.via("default", AddressPlan.GATEWAY, "eth0"))) {
                changes.add("default route in " + m.netns());
            }
        }
        hostSide(m, known, host, changes);
    }

    private void reconcileTap(DesiredHost.MachineLink m, boolean known, HostSnapshot host, List<String> changes) {
        if (!m.running()) {
            stop(m, host, changes);
            return;
        }
        replaceIfOtherKind(m, "tun", host, changes);
        if (!host.links.containsKey(m.link())) {
            net.addTap(m.link());
            host.links.put(m.link(), new LinuxNetworking.Link(m.link(), "tun", false));
            changes.add("tap " + m.link());
            known = false;
        }
        hostSide(m, known, host, changes);
    }

    private void hostSide(DesiredHost.MachineLink m, boolean known, HostSnapshot host, List<String> changes) {
        if (!host.links.get(m.link()).up()) {
            net.setUp(null, m.link());
            changes.add("up " + m.link());
        }
        if (!known && ensureAddress(null, m.link(), GATEWAY_CIDR)) {
            changes.add("gateway on " + m.link());
        }
        Route route = Route.onLink(m.address() + "/128", m.link());
        for (Route stale : List.copyOf(host.routes)) {
            if (m.link().equals(stale.device()) && stale.destination().startsWith("fdaa:") && !stale.equals(route)) {
                net.deleteRoute(null, stale); // the machine's old address
                host.routes.remove(stale);
                changes.add("removed route " + stale.destination() + " dev " + m.link());
            }
        }
        if (!host.routes.contains(route)) {
            net.replaceRoute(null, route);
            host.routes.add(route);
            changes.add("route " + m.address() + " dev " + m.link());
        }
    }

    /** A machine whose backend changed keeps its link name; the old kind of link goes first. */
    private void replaceIfOtherKind(DesiredHost.MachineLink m, String kind, HostSnapshot host, List<String> changes) {
        LinuxNetworking.Link existing = host.links.get(m.link());
        if (existing != null && !existing.kind().equals(kind)) {
            net.deleteLink(null, m.link());
            host.links.remove(m.link());
            host.routes.removeIf(r -> m.link().equals(r.device()));
            changes.add("removed " + existing.kind() + " " + m.link() + " (now a " + kind + ")");
        }
    }

    /** A stopped machine keeps its namespace but loses its processes, link and route. */
    private void stop(DesiredHost.MachineLink m, HostSnapshot host, List<String> changes) {
        if (m.backend() != Backend.BACKEND_TAP && !net.processes(m.netns()).isEmpty()) {
            net.killProcesses(m.netns());
            changes.add("killed processes in " + m.netns());
        }
        Route route = Route.onLink(m.address() + "/128", m.link());
        if (host.routes.remove(route)) {
            net.deleteRoute(null, route);
            changes.add("removed route " + m.address());
        }
        if (host.links.remove(m.link()) != null) {
            net.deleteLink(null, m.link());
            changes.add("removed link " + m.link());
        }
    }

    private void removeLeftovers(DesiredHost desired, HostSnapshot host, List<String> changes) {
        Set<String> wantedNamespaces = desired.machines().stream().filter(m -> m.backend() != Backend.BACKEND_TAP)
                .map(DesiredHost.MachineLink::netns).collect(Collectors.toSet());
        Set<String> wantedLinks = desired.machines().stream().map(DesiredHost.MachineLink::link).collect(Collectors.toSet());
        for (String link : List.copyOf(host.links.keySet())) {
            if (MachineNames.isMachineLink(link) && !wantedLinks.contains(link)) {
                net.deleteLink(null, link);
                changes.add("removed link " + link);
            }
        }
        for (String ns : host.namespaces) {
            if (ns.startsWith(netnsPrefix) && !wantedNamespaces.contains(ns)) {
                net.deleteNamespace(ns);
                changes.add("removed namespace " + ns);
            }
        }
    }

    /** The host side as read once at the start of a pass, kept current by the pass's own writes. */
    private static final class HostSnapshot {
        final Set<String> namespaces;
        final java.util.Map<String, LinuxNetworking.Link> links = new java.util.HashMap<>();
        final Set<Route> routes;

        HostSnapshot(LinuxNetworking net) {
            namespaces = new java.util.HashSet<>(net.namespaces());
            net.links(null).forEach(l -> links.put(l.name(), l));
            routes = new java.util.HashSet<>(net.routes(null));
        }
    }

    private boolean linkUp(String namespace, String link) {
        return net.links(namespace).stream().anyMatch(l -> l.name().equals(link) && l.up());
    }

    /** Adds the address if missing; true if it changed something. */
    private boolean ensureAddress(String namespace, String link, String cidr) {
        if (net.addresses(namespace, link).contains(cidr)) {
            return false;
        }
        net.addAddress(namespace, link, cidr);
        return true;
    }

    private boolean ensureRoute(String namespace, Route route) {
        if (net.routes(namespace).contains(route)) {
            return false;
        }
        net.replaceRoute(namespace, route);
        return true;
    }
}

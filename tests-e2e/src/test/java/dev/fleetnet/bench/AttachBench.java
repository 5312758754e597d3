package dev.fleetnet.bench;

import dev.fleetnet.agent.host.DesiredHost;
import dev.fleetnet.agent.host.HostReconciler;
import dev.fleetnet.agent.host.MachineNames;
import dev.fleetnet.agent.wireguard.MeshConfig;
import dev.fleetnet.agent.wireguard.WireGuardDevice;
import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.proto.v1.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * Time to attach one machine's network on its host: the agent's reconciler adding machine N
 * to a host that has N-1, against the same kernel operations as plain iproute2 commands
 * (the baseline the implementation drives today). Runs in namespaces it makes and removes.
 */
public final class AttachBench {
    private AttachBench() {}

    public static void main(String[] args) throws Exception {
        int machines = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        String prefix = "ab" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        String hostNs = prefix + "-h";
        LinuxNetworking root = IpRouteNetworking.inOwnNamespace();
        root.createNamespace(hostNs);
        try {
            LinuxNetworking host = IpRouteNetworking.inNamespace(hostNs);
            WireGuardDevice mesh = new NoMesh(host, prefix + "wg");
            HostReconciler reconciler = new HostReconciler(host, mesh, prefix + "-m-");
            List<DesiredHost.MachineLink> links = new ArrayList<>();
            reconciler.reconcile(new DesiredHost(mesh.name(), AddressPlan.infraAddress(1), List.of(), links), MeshConfig.EMPTY, false);
            List<Double> agent = new ArrayList<>();
            for (int i = 1; i <= machines; i++) {
                String name = "a" + i;
                links.add(new DesiredHost.MachineLink(name, prefix + "-m-" + name, MachineNames.link(name),
                        AddressPlan.machineAddress(1, 1, i), Backend.BACKEND_NETNS, true));
                long start = System.nanoTime();
                reconciler.reconcile(new DesiredHost(mesh.name(), AddressPlan.infraAddress(1), List.of(), links), MeshConfig.EMPTY, false);
                agent.add((System.nanoTime() - start) / 1e6);
            }
            List<Double> baseline = new ArrayList<>();
            for (int i = 1; i <= machines; i++) {
                String ns = prefix + "-b-" + i;
                String link = "fb" + prefix + i;
                String address = AddressPlan.machineAddress(1, 1, 1000 + i);
                long start = System.nanoTime();
                ip("netns", "add", ns);
                ip("-n", hostNs, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns);
                ip("-n", ns, "link", "set", "lo", "up");
                ip("-n", ns, "link", "set", "eth0", "up");
                ip("-n", ns, "addr", "add", address + "/128", "dev", "eth0", "nodad");
                ip("-n", ns, "-6", "route", "replace", "default", "via", "fe80::1", "dev", "eth0");
                ip("-n", hostNs, "link", "set", link, "up");
                ip("-n", hostNs, "addr", "add", "fe80::1/64", "dev", link, "nodad");
                ip("-n", hostNs, "-6", "route", "replace", address + "/128", "dev", link);
                baseline.add((System.nanoTime() - start) / 1e6);
            }
            Percentiles a = Percentiles.of(agent);
            Percentiles b = Percentiles.of(baseline);
            System.out.println("attach one machine (agent reconcile, host with 0.." + (machines - 1) + " machines): " + a.summary("ms"));
            System.out.println("attach one machine (iproute2 baseline: the same 9 ip commands): " + b.summary("ms"));
            System.out.printf("ratio agent/iproute2 median attach time: %.2f%n", a.median() / b.median());
        } finally {
            for (String ns : root.namespaces()) {
                if (ns.startsWith(prefix + "-")) {
                    root.deleteNamespace(ns);
                }
            }
        }
    }

    private static void ip(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + out);
        }
    }

    /** The mesh is not what this measures: a stand-in interface with no WireGuard behind it. */
    private record NoMesh(LinuxNetworking host, String name) implements WireGuardDevice {
        @Override
        public boolean ensure() {
            if (host.links(null).stream().anyMatch(l -> l.name().equals(name))) {
                return false;
            }
            host.addTap(name);
            return true;
        }

        @Override
        public MeshConfig read() {
            return MeshConfig.EMPTY;
        }

        @Override
        public void apply(List<String> lines) {
            // nothing: no peers in this benchmark
        }
    }
}

package dev.fleetnet.ingress.ssh;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.ssh.SshAccess;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the SSH ingress knows from one view: who may open which machine ({@link SshAccess}), every
 * machine of the fleet, and this host's machines. Immutable; swapped whole when a view arrives.
 */
public record SshTargets(String hostName, SshAccess access, Map<String, FleetMachine> directory, Map<String, MachineSpec> local) {
    public static final SshTargets EMPTY = new SshTargets("", SshAccess.NONE, Map.of(), Map.of());

    public SshTargets {
        directory = Map.copyOf(directory);
        local = Map.copyOf(local);
    }

    public static SshTargets of(HostView view) {
        Map<String, FleetMachine> directory = new HashMap<>();
        view.getDirectoryList().forEach(m -> directory.put(m.getName(), m));
        Map<String, MachineSpec> local = new HashMap<>();
        view.getMachinesList().forEach(m -> local.put(m.getName(), m));
        return new SshTargets(view.getHostName(), new SshAccess(view.getSsh()), directory, local);
    }

    /** The same access, or a new one if the trust changed (keys parse once per change, not per view). */
    public SshTargets reuseAccess(SshTargets previous) {
        return previous.access.trust().equals(access.trust()) ? new SshTargets(hostName, previous.access, directory, local) : this;
    }

    /**
     * May {@code key} open {@code user} (a machine name) here? Beyond {@link SshAccess}: the
     * machine must run on this host, as a netns machine (relays are not implemented yet).
     */
    public SshAccess.Decision decide(String user, PublicKey key, Instant now) {
        SshAccess.Decision decision = access.decide(user, key, directory::get, now);
        if (!decision.allowed()) {
            return decision;
        }
        FleetMachine machine = directory.get(user);
        if (!machine.getHost().equals(hostName)) {
            return new SshAccess.Decision(false, decision.who(), "fleetnet: machine '" + user + "' runs on host '" + machine.getHost()
                    + "', not on '" + hostName + "' (relay across the mesh is not implemented yet: connect to that host)");
        }
        MachineSpec spec = local.get(user);
        if (spec == null || !spec.getRunning()) {
            return new SshAccess.Decision(false, decision.who(), "fleetnet: machine '" + user + "' is stopped");
        }
        if (spec.getBackend() == Backend.BACKEND_TAP) {
            return new SshAccess.Decision(false, decision.who(), "fleetnet: machine '" + user
                    + "' is a tap machine; relaying to its own sshd is not implemented yet");
        }
        return decision;
    }

    /** The machines of this host that may hold sessions (running netns machines). */
    public Set<String> openable() {
        Set<String> names = new TreeSet<>();
        local.values().stream().filter(m -> m.getRunning() && m.getBackend() != Backend.BACKEND_TAP).forEach(m -> names.add(m.getName()));
        return names;
    }

    /** The machine's fdaa:: address, for port forwarding; null if unknown. */
    public String address(String machine) {
        MachineSpec spec = local.get(machine);
        return spec == null ? null : spec.getAddress();
    }
}

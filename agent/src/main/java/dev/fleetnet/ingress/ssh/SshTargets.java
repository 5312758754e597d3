package dev.fleetnet.ingress.ssh;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.SshMode;
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
public record SshTargets(String hostName, SshAccess access, Map<String, FleetMachine> directory, Map<String, MachineSpec> local,
        Map<String, String> hostAddresses) {
    public static final SshTargets EMPTY = new SshTargets("", SshAccess.NONE, Map.of(), Map.of(), Map.of());

    public SshTargets {
        directory = Map.copyOf(directory);
        local = Map.copyOf(local);
        hostAddresses = Map.copyOf(hostAddresses);
    }

    public static SshTargets of(HostView view) {
        Map<String, FleetMachine> directory = new HashMap<>();
        view.getDirectoryList().forEach(m -> directory.put(m.getName(), m));
        Map<String, MachineSpec> local = new HashMap<>();
        view.getMachinesList().forEach(m -> local.put(m.getName(), m));
        Map<String, String> hosts = new HashMap<>();
        view.getPeersList().stream().filter(p -> p.getHostNumber() > 0)
                .forEach(p -> hosts.put(p.getHostName(), AddressPlan.infraAddress(Integer.toUnsignedLong(p.getHostNumber()))));
        return new SshTargets(view.getHostName(), new SshAccess(view.getSsh()), directory, local, hosts);
    }

    /** The same access, or a new one if the trust changed (keys parse once per change, not per view). */
    public SshTargets reuseAccess(SshTargets previous) {
        return previous.access.trust().equals(access.trust()) ? new SshTargets(hostName, previous.access, directory, local, hostAddresses)
                : this;
    }

    /**
     * May {@code key} open {@code user} (a machine name) here? Beyond {@link SshAccess}: the
     * machine runs on this host, or on a host this one can relay to (a relayed
     * session is never relayed again).
     */
    public SshAccess.Decision decide(String user, PublicKey key, Instant now) {
        SshAccess.Decision decision = access.decide(user, key, directory::get, now);
        if (!decision.allowed()) {
            return decision;
        }
        String refusal = refusal(user, decision.who().startsWith("relay "));
        return refusal == null ? decision : new SshAccess.Decision(false, decision.who(), refusal);
    }

    /**
     * Why a session for {@code machine}, already admitted (by key, certificate or web console
     * link), cannot be opened from this host, or null when it can: the machine runs here (netns
     * machines in their namespace, the others through their own sshd), or runs on a host this one can relay to ({@code relayed}: the session
     * came over a relay already, and is never relayed again).
     */
    public String refusal(String name, boolean relayed) {
        FleetMachine machine = directory.get(name);
        if (machine == null) {
            return "fleetnet: no machine named '" + name + "'";
        }
        if (!machine.getHost().equals(hostName)) {
            if (relayed || !hostAddresses.containsKey(machine.getHost())) {
                return "fleetnet: machine '" + name + "' runs on host '" + machine.getHost() + "', which host '" + hostName
                        + "' cannot relay to";
            }
            return machine.getRunning() ? null : "fleetnet: machine '" + name + "' is stopped";
        }
        MachineSpec spec = local.get(name);
        if (spec == null || !spec.getRunning()) {
            return "fleetnet: machine '" + name + "' is stopped";
        }
        return null;
    }

    /** Whether sessions for a machine of this host go to its own sshd (tap machines, {@code --ssh relay}). */
    private static boolean toGuestSshd(MachineSpec spec) {
        return spec.getSsh() == SshMode.SSH_MODE_RELAY || spec.getBackend() == Backend.BACKEND_TAP;
    }

    /**
     * The machine's fdaa:: address when it runs here and its sessions go to its own sshd (relayed
     * as root with this host's relay certificate); null when the agent runs them itself or the
     * machine runs elsewhere.
     */
    public String guestSshd(String machine) {
        FleetMachine m = directory.get(machine);
        MachineSpec spec = local.get(machine);
        return m == null || spec == null || !m.getHost().equals(hostName) || !toGuestSshd(spec) ? null : spec.getAddress();
    }

    /** The machines that may hold sessions here: running machines of this host, and running machines relayed to. */
    public Set<String> openable() {
        Set<String> names = new TreeSet<>();
        local.values().stream().filter(MachineSpec::getRunning).forEach(m -> names.add(m.getName()));
        directory.values().stream().filter(m -> m.getRunning() && !m.getHost().equals(hostName) && hostAddresses.containsKey(m.getHost()))
                .forEach(m -> names.add(m.getName()));
        return names;
    }

    /** Where to relay a session for {@code machine}: its host's infrastructure address; null when it runs here. */
    public String relayAddress(String machine) {
        FleetMachine m = directory.get(machine);
        return m == null || m.getHost().equals(hostName) ? null : hostAddresses.get(m.getHost());
    }

    /** The machine's fdaa:: address, for port forwarding; null if unknown. */
    public String address(String machine) {
        MachineSpec spec = local.get(machine);
        if (spec != null) {
            return spec.getAddress();
        }
        FleetMachine m = directory.get(machine);
        return m == null || m.getHost().equals(hostName) ? null : m.getAddress();
    }

    /**
     * Why {@code ssh -L …:localhost:PORT} cannot reach {@code port} of {@code machine} from this
     * host, or null when it can: any port of a machine of this host; of a machine on another host
     * only the ports it exposes (what the mesh lets hosts reach, as for the ingress).
     */
    public String forwardRefusal(String machine, int port) {
        if (local.containsKey(machine)) {
            return null;
        }
        FleetMachine m = directory.get(machine);
        if (m == null) {
            return "no machine named '" + machine + "'";
        }
        return m.getPortsList().contains(port) ? null : "machine '" + machine + "' runs on host '" + m.getHost()
                + "' and does not expose port " + port + " (expected one of " + m.getPortsList() + ")";
    }
}

package dev.fleetnet.ssh;

import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may open a session on which machine: the fleet's user keys with their scope, and user
 * certificates signed by the fleet SSH CA whose principal is the machine. Built from one view's
 * {@link SshTrust} and swapped whole when it changes. Pure: no I/O, the clock is an argument.
 */
public final class SshAccess {
    private static final Logger log = LoggerFactory.getLogger(SshAccess.class);
    public static final SshAccess NONE = new SshAccess(SshTrust.getDefaultInstance());
    /** The principal of the certificates hosts relay sessions with; no machine can be named so (names have no colon). */
    public static final String RELAY_PRINCIPAL = "fleetnet:relay";

    private final SshTrust trust;
    private final PublicKey ca;
    /** By fingerprint: one public key may be added under several names, each with its own scope. */
    private final Map<String, List<SshUserKey>> keys = new HashMap<>();

    /** A decision: {@code who} names the key or certificate for logs; {@code message} is for the user when refused. */
    public record Decision(boolean allowed, String who, String message) {
        static Decision allow(String who) {
            return new Decision(true, who, "");
        }

        static Decision refuse(String who, String message) {
            return new Decision(false, who, message);
        }
    }

    public SshAccess(SshTrust trust) {
        this.trust = trust;
        PublicKey parsedCa = null;
        if (!trust.getCaPublicKey().isEmpty()) {
            try {
                parsedCa = SshKeys.parsePublicKey(trust.getCaPublicKey());
            } catch (IllegalArgumentException e) {
                log.error("fleet SSH CA key in the view does not parse; user certificates are refused: {}", e.getMessage());
            }
        }
        this.ca = parsedCa;
        for (SshUserKey key : trust.getKeysList()) {
            try {
                keys.computeIfAbsent(SshKeys.fingerprint(SshKeys.parsePublicKey(key.getPublicKey())), f -> new ArrayList<>()).add(key);
            } catch (IllegalArgumentException e) {
                log.error("SSH key '{}' in the view does not parse; ignored: {}", key.getName(), e.getMessage());
            }
        }
    }

    public SshTrust trust() {
        return trust;
    }

    /**
     * May {@code key} open a session as {@code user} (a machine name)? {@code machines} finds a
     * machine of the fleet by name (null: unknown). Refusals say why, but only to a holder of a
     * fleet key or certificate: anyone else learns nothing about machines.
     */
    public Decision decide(String user, PublicKey key, Function<String, FleetMachine> machines, Instant now) {
        if (key instanceof OpenSshCertificate certificate) {
            return decideCertificate(user, certificate, machines, now);
        }
        String fingerprint = SshKeys.fingerprint(key);
        List<SshUserKey> known = keys.get(fingerprint);
        if (known == null) {
            return Decision.refuse("unknown key " + fingerprint, "");
        }
        SshUserKey first = known.get(0);
        FleetMachine machine = machines.apply(user);
        Decision state = machineState("key '" + first.getName() + "' (" + fingerprint + ")", user, machine);
        if (state != null) {
            return state;
        }
        for (SshUserKey entry : known) {
            if (inScope(entry, machine)) {
                return Decision.allow("key '" + entry.getName() + "' (" + fingerprint + ")");
            }
        }
        return Decision.refuse("key '" + first.getName() + "' (" + fingerprint + ")", "fleetnet: key '" + first.getName()
                + "' is scoped to " + String.join(", ", known.stream().map(SshAccess::describe).toList())
                + ", which does not include machine '" + user + "'");
    }

    private Decision decideCertificate(String user, OpenSshCertificate certificate, Function<String, FleetMachine> machines, Instant now) {
        String who = "certificate '" + certificate.getId() + "' (serial " + Long.toUnsignedString(certificate.getSerial()) + ", "
                + SshKeys.fingerprint(certificate) + ")";
        if (ca == null || !KeyUtils.compareKeys(ca, certificate.getCaPubKey())) {
            return Decision.refuse(who, ""); // signed by someone else: not ours to explain
        }
        if (certificate.getType() != OpenSshCertificate.Type.USER) {
            return Decision.refuse(who, "fleetnet: certificate '" + certificate.getId() + "' is a host certificate (expected: a user certificate)");
        }
        if (!OpenSshCertificate.isValidAt(certificate, now)) {
            return Decision.refuse(who, "fleetnet: certificate '" + certificate.getId() + "' is not valid at " + now
                    + " (valid before " + Instant.ofEpochSecond(certificate.getValidBefore()) + "); run `fleetnet ssh issue` again");
        }
        if (certificate.getPrincipals().contains(RELAY_PRINCIPAL)) {
            // another host of the fleet checked the user's key and scope, and relays the session here
            Decision state = machineState(who, user, machines.apply(user));
            return state != null ? state : Decision.allow("relay " + who);
        }
        if (!certificate.getPrincipals().contains(user)) {
            return Decision.refuse(who, "fleetnet: certificate '" + certificate.getId() + "' is for " + certificate.getPrincipals()
                    + ", not machine '" + user + "'");
        }
        Decision state = machineState(who, user, machines.apply(user));
        return state != null ? state : Decision.allow(who);
    }

    private static Decision machineState(String who, String user, FleetMachine machine) {
        if (machine == null) {
            return Decision.refuse(who, "fleetnet: no machine named '" + user + "' (the SSH user name is the machine name)");
        }
        if (!machine.getRunning()) {
            return Decision.refuse(who, "fleetnet: machine '" + user + "' is stopped");
        }
        return null;
    }

    /** Whether {@code key}'s scope covers {@code machine}. */
    public static boolean inScope(SshUserKey key, FleetMachine machine) {
        return switch (key.getScope()) {
            case SSH_KEY_SCOPE_MACHINE -> key.getTarget().equals(machine.getName());
            case SSH_KEY_SCOPE_APP -> !machine.getApp().isEmpty() && key.getTarget().equals(machine.getApp());
            case SSH_KEY_SCOPE_NETWORK -> key.getTarget().equals(machine.getNetwork());
            default -> false;
        };
    }

    public static String describe(SshUserKey key) {
        return switch (key.getScope()) {
            case SSH_KEY_SCOPE_MACHINE -> "machine '" + key.getTarget() + "'";
            case SSH_KEY_SCOPE_APP -> "app '" + key.getTarget() + "'";
            case SSH_KEY_SCOPE_NETWORK -> "network '" + key.getTarget() + "'";
            default -> "nothing (scope " + key.getScope() + ")";
        };
    }

    /** The scope as the CLI names it: machine, app or network. */
    public static String scopeName(SshKeyScope scope) {
        return switch (scope) {
            case SSH_KEY_SCOPE_MACHINE -> "machine";
            case SSH_KEY_SCOPE_APP -> "app";
            case SSH_KEY_SCOPE_NETWORK -> "network";
            default -> "?";
        };
    }
}

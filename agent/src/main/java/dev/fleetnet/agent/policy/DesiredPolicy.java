package dev.fleetnet.agent.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What this host's packet filter must enforce, as a value. */
public record DesiredPolicy(String meshInterface, List<GuestLink> guests) {
    private static final int IFNAMSIZ = 15;

    public DesiredPolicy {
        checkInterfaceName(meshInterface);
        if (guests == null) {
            throw new IllegalArgumentException("guests: null (expected: a list, possibly empty)");
        }
        guests = List.copyOf(guests);
        Set<String> links = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (GuestLink guest : guests) {
            if (!links.add(guest.link())) {
                throw new IllegalArgumentException("guests: link " + guest.link() + " appears twice (expected: one entry per link)");
            }
            if (!addresses.add(guest.address())) {
                throw new IllegalArgumentException("guests: address " + guest.address() + " is on two links (expected: one link per address)");
            }
        }
    }

    /** This policy with {@code guest} added, replacing any guest on the same link. */
    public DesiredPolicy with(GuestLink guest) {
        List<GuestLink> next = new ArrayList<>(without(guest.link()).guests());
        next.add(guest);
        return new DesiredPolicy(meshInterface, next);
    }

    /** This policy without the guest on {@code link} (unchanged if there is none). */
    public DesiredPolicy without(String link) {
        return new DesiredPolicy(meshInterface, guests.stream().filter(g -> !g.link().equals(link)).toList());
    }

    private static void checkInterfaceName(String name) {
        if (name == null || name.isEmpty() || name.length() > IFNAMSIZ
                || name.chars().anyMatch(c -> c <= ' ' || c == '/' || c == ':' || c == '"' || c == '*' || c >= 0x7f)) {
            throw new IllegalArgumentException("meshInterface: '" + name + "' (expected: an interface name of 1.." + IFNAMSIZ
                    + " characters without spaces, '/', ':', '\"' or '*')");
        }
        if (name.startsWith("fm")) {
            throw new IllegalArgumentException("meshInterface: '" + name + "' (expected: a name not starting with fm, which machine links use)");
        }
    }
}

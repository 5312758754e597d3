package dev.fleetnet.agent.policy;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A named set's declaration: its name, the types of its concatenated key, and its flags (e.g. interval). */
public record SetSpec(String name, List<String> keyTypes, Set<String> flags) {

    public SetSpec {
        keyTypes = List.copyOf(keyTypes);
        flags = Set.copyOf(flags);
    }

    /** Reads like nft: {@code type ipv6_addr . ipv6_addr; flags interval}. */
    public String describe() {
        String type = "type " + String.join(" . ", keyTypes);
        return flags.isEmpty() ? type : type + "; flags " + String.join(",", new TreeSet<>(flags));
    }
}

package dev.fleetnet.agent.policy;

import java.util.List;

/** One condition of a {@link Rule}, as a typed value each packet filter translates into its own language. */
public sealed interface Match {

    /** The packet came in on {@code name}; a trailing {@code *} matches every name with that prefix. */
    record InputInterface(String name) implements Match {}

    /** The packet goes out on {@code name}; a trailing {@code *} matches every name with that prefix. */
    record OutputInterface(String name) implements Match {}

    /** The packet is IPv4. */
    record Ipv4() implements Match {}

    /** The IPv6 source is {@code addressOrPrefix} ({@code ::}, {@code fe80::/10}). */
    record Source(String addressOrPrefix) implements Match {}

    /** The IPv6 destination is {@code addressOrPrefix}. */
    record Destination(String addressOrPrefix) implements Match {}

    /** Connection tracking says the packet belongs to, or relates to, a flow already seen, e.g. {@code established, related}. */
    record ConnectionState(List<String> states) implements Match {
        public ConnectionState {
            states = List.copyOf(states);
        }
    }

    /** The packet is ICMPv6 of one of {@code types} (nft's names, e.g. {@code nd-neighbor-solicit}). */
    record Icmpv6Type(List<String> types) implements Match {
        public Icmpv6Type {
            types = List.copyOf(types);
        }
    }

    /** The packet is one of {@code protocols} (tcp, udp) to destination port {@code port}. */
    record Transport(List<String> protocols, int port) implements Match {
        public Transport {
            protocols = List.copyOf(protocols);
        }
    }

    /** The concatenation of {@code keys} is (or, if {@code negated}, is not) an element of the named set. */
    record InSet(List<Key> keys, String set, boolean negated) implements Match {
        public InSet {
            keys = List.copyOf(keys);
        }
    }

    /** An expression fleetnet never writes, as the packet filter printed it: only ever read back, from drift. */
    record Unrecognized(String expression) implements Match {}

    /** The packet fields a set lookup can be keyed by. */
    enum Key {
        INPUT_INTERFACE, SOURCE, DESTINATION, L4_PROTOCOL, DESTINATION_PORT
    }
}

package dev.fleetnet.agent.policy;

import dev.fleetnet.core.AddressPlan;

/** One member of one of fleetnet's named sets, typed by the set it belongs to. */
public sealed interface Element {
    /** The name of the set this element belongs to. */
    String set();

    /** The element as nft prints it, e.g. {@code "fm0123456789ab" . fdaa:0:1:0:1:0:1:0}. */
    String describe();

    /** In {@code guest_sources}: the machine at {@code address} may send from its own link {@code link}. */
    record GuestSource(String link, String address) implements Element {
        @Override
        public String set() {
            return PolicyRules.GUEST_SOURCES;
        }

        @Override
        public String describe() {
            return "\"" + link + "\" . " + address;
        }
    }

    /**
     * In {@code same_network}: traffic from {@code source} to {@code destination} is within one network.
     * Each side is a prefix ({@code fdaa:0:1::/48}), an address, or a range ({@code a-b}), as nft holds it;
     * fleetnet itself only writes {@link #of(long) one network's /48 to itself}.
     */
    record NetworkPair(String source, String destination) implements Element {
        /** The element that lets network {@code network} reach itself. */
        public static NetworkPair of(long network) {
            String prefix = AddressPlan.networkPrefix(network);
            return new NetworkPair(prefix, prefix);
        }

        @Override
        public String set() {
            return PolicyRules.SAME_NETWORK;
        }

        @Override
        public String describe() {
            return source + " . " + destination;
        }
    }

    /** In {@code exposed}: the machine at {@code address} accepts {@code protocol} (tcp) on {@code port} from other hosts. */
    record ExposedPort(String address, String protocol, int port) implements Element {
        public static ExposedPort tcp(String address, int port) {
            return new ExposedPort(address, "tcp", port);
        }

        @Override
        public String set() {
            return PolicyRules.EXPOSED;
        }

        @Override
        public String describe() {
            return address + " . " + protocol + " . " + port;
        }
    }
}

package dev.fleetnet.agent.dns;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Ipv6;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The {@code internal.} zone as of one directory, answering one well-formed query from the
 * caller's source address: the caller's network comes from that address (a machine's own; the
 * host's packet filter prevents spoofing) and it sees only that network. Names outside the zone
 * are for the upstream resolvers ({@link ZoneAnswer.Forward}), or REFUSED when there are none.
 * Immutable and pure: built once per directory by the one writer, read by every event loop.
 *
 * <p>Names: {@code {machine}}, {@code {app}} and {@code top{N}.nearest.of.{app}} (AAAA);
 * {@code _apps}, {@code vms.{app}} and {@code _instances} (TXT); the apex holds the SOA.
 */
public final class InternalZone {
    /** The zone's origin. */
    public static final Name ORIGIN = Name.fromConstantString("internal.");
    private static final Name PRIMARY = Name.fromConstantString("ns.internal.");
    private static final Name ADMIN = Name.fromConstantString("hostmaster.internal.");
    /** The reverse zone of fdaa::/16: answered here from the directory, never forwarded (it would leak fleet addresses). */
    public static final Name REVERSE_ORIGIN = Name.fromConstantString("a.a.d.f.ip6.arpa.");
    // Nothing transfers or refreshes this zone: the SOA's timers only need to be plausible.
    private static final long REFRESH = 3600;
    private static final long RETRY = 600;
    private static final long EXPIRE = 86400;

    private final long revision;
    private final long ttl;
    private final boolean forwarding;
    private final SOARecord soa;
    private final Map<Long, NetworkIndex> networks;
    /** The network of every machine address in the directory: the callers' fast path (no text parsing). */
    private final Map<InetAddress, Long> networkByAddress;
    /** Running machines by address, for PTR answers. */
    private final Map<InetAddress, DnsMachine> runningByAddress;
    private final SOARecord reverseSoa;

    private InternalZone(DnsDirectory directory, DnsConfig config) {
        this.revision = directory.revision();
        this.ttl = config.ttlSeconds();
        this.forwarding = !config.upstreams().isEmpty();
        // The SOA minimum is the negative-caching TTL (RFC 2308): the configured TTL.
        this.soa = new SOARecord(ORIGIN, DClass.IN, ttl, PRIMARY, ADMIN, directory.revision() & 0xffff_ffffL,
                REFRESH, RETRY, EXPIRE, ttl);
        Map<Long, List<DnsMachine>> byNetwork = directory.machines().stream()
                .collect(Collectors.groupingBy(DnsMachine::network));
        Map<Long, NetworkIndex> indexed = new HashMap<>();
        byNetwork.forEach((network, machines) -> indexed.put(network, new NetworkIndex(machines, directory.localHost())));
        this.networks = Map.copyOf(indexed);
        Map<InetAddress, Long> byAddress = new HashMap<>();
        for (DnsMachine machine : directory.machines()) {
            if (machine.network() != AddressPlan.INFRA_NETWORK) { // network 0 is never a caller's
                byAddress.put(NetworkIndex.inet(machine.address()), machine.network());
            }
        }
        this.networkByAddress = byAddress;
        Map<InetAddress, DnsMachine> running = new HashMap<>();
        for (DnsMachine machine : directory.machines()) {
            if (machine.running()) {
                running.put(NetworkIndex.inet(machine.address()), machine);
            }
        }
        this.runningByAddress = Map.copyOf(running);
        this.reverseSoa = new SOARecord(REVERSE_ORIGIN, DClass.IN, ttl, PRIMARY, ADMIN, directory.revision() & 0xffff_ffffL,
                REFRESH, RETRY, EXPIRE, ttl);
    }

    /** Indexes {@code directory} for answering with {@code config}'s TTL and upstreams. */
    public static InternalZone of(DnsDirectory directory, DnsConfig config) {
        return new InternalZone(directory, config);
    }

    /** The directory revision this zone was built from. */
    public long revision() {
        return revision;
    }

    /** True if names outside {@code internal.} are forwarded (there are upstreams). */
    public boolean forwarding() {
        return forwarding;
    }

    /**
     * Answers {@code query} (one question, opcode QUERY) asked from {@code source}. The reply
     * carries no OPT record: the caller adds it with the size limit of the transport.
     */
    public ZoneAnswer answer(Message query, InetAddress source) {
        Record question = query.getQuestion();
        int type = question.getType();
        int dclass = question.getDClass();
        if ((dclass != DClass.IN && dclass != DClass.ANY) || type == Type.AXFR || type == Type.IXFR) {
            return reply(query, Rcode.REFUSED, false); // neither transfers nor other classes, in any zone
        }
        Name name = question.getName();
        if (name.subdomain(REVERSE_ORIGIN)) {
            return reverse(query, name, type, source);
        }
        if (!name.subdomain(ORIGIN)) {
            return forwarding ? ZoneAnswer.FORWARD : reply(query, Rcode.REFUSED, false);
        }
        Long known = source == null ? null : networkByAddress.get(source); // Inet6Address equality ignores the scope
        long network = known != null ? known : callerNetwork(source);
        if (network < 0) {
            return reply(query, Rcode.REFUSED, false);
        }
        List<String> labels = relativeLabels(name);
        ZoneAnswer.Reply reply = reply(query, Rcode.NOERROR, true);
        Message response = reply.message();
        if (labels.isEmpty()) {
            if (type == Type.SOA || type == Type.ANY) {
                response.addRecord(soa.withName(name), Section.ANSWER);
            }
        } else {
            NetworkIndex.Node node = networks.getOrDefault(network, NetworkIndex.EMPTY).lookup(labels);
            if (node == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            } else {
                addRecords(response, name, type, node);
            }
        }
        if (response.getSection(Section.ANSWER).isEmpty()) {
            response.addRecord(soa, Section.AUTHORITY); // NXDOMAIN or NODATA: cacheable for the SOA minimum
        }
        return reply;
    }

    /**
     * PTR for a running machine of the caller's own network ({@code {machine}.internal.});
     * every other name under fdaa::/16's reverse zone is NXDOMAIN for this caller.
     */
    private ZoneAnswer reverse(Message query, Name name, int type, InetAddress source) {
        Long known = source == null ? null : networkByAddress.get(source);
        long network = known != null ? known : callerNetwork(source);
        if (network < 0) {
            return reply(query, Rcode.REFUSED, false);
        }
        ZoneAnswer.Reply reply = reply(query, Rcode.NOERROR, true);
        Message response = reply.message();
        InetAddress address = reverseAddress(name);
        DnsMachine machine = address == null ? null : runningByAddress.get(address);
        if (name.equals(REVERSE_ORIGIN)) {
            if (type == Type.SOA || type == Type.ANY) {
                response.addRecord(reverseSoa, Section.ANSWER);
            }
        } else if (machine == null || machine.network() != network) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        } else if (type == Type.PTR || type == Type.ANY) {
            response.addRecord(new PTRRecord(name, DClass.IN, ttl,
                    Name.fromConstantString(machine.name().toLowerCase(Locale.ROOT) + "." + ORIGIN)), Section.ANSWER);
        }
        if (response.getSection(Section.ANSWER).isEmpty()) {
            response.addRecord(reverseSoa, Section.AUTHORITY);
        }
        return reply;
    }

    /** The address a full 32-nibble name under ip6.arpa spells, or null. */
    static InetAddress reverseAddress(Name name) {
        int nibbles = name.labels() - 3; // minus "ip6", "arpa" and the root
        if (nibbles != 32) {
            return null;
        }
        byte[] bytes = new byte[16];
        for (int i = 0; i < 32; i++) {
            String label = name.getLabelString(31 - i);
            int digit = label.length() == 1 ? Character.digit(label.charAt(0), 16) : -1;
            if (digit < 0) {
                return null;
            }
            bytes[i / 2] |= (byte) (i % 2 == 0 ? digit << 4 : digit);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * The network of a fleet machine's address, or -1 when {@code source} is not one: not IPv6,
     * outside fdaa::/16, or in the infrastructure network 0.
     */
    static long callerNetwork(InetAddress source) {
        if (!(source instanceof Inet6Address)) {
            return -1;
        }
        try {
            long network = AddressPlan.parse(Ipv6.format(source.getAddress())).network();
            return network == AddressPlan.INFRA_NETWORK ? -1 : network;
        } catch (IllegalArgumentException notInPlan) {
            return -1;
        }
    }

    private void addRecords(Message response, Name name, int type, NetworkIndex.Node node) {
        if (type == Type.AAAA || type == Type.ANY) {
            for (InetAddress address : node.addresses()) {
                response.addRecord(new AAAARecord(name, DClass.IN, ttl, address), Section.ANSWER);
            }
        }
        if (type == Type.TXT || type == Type.ANY) {
            for (List<String> strings : node.texts()) {
                response.addRecord(new TXTRecord(name, DClass.IN, ttl, strings), Section.ANSWER);
            }
        }
    }

    /** The labels of {@code name} below the origin, lower case, left to right. */
    private static List<String> relativeLabels(Name name) {
        int count = name.labels() - ORIGIN.labels();
        List<String> labels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            labels.add(name.getLabelString(i).toLowerCase(Locale.ROOT));
        }
        return labels;
    }

    private ZoneAnswer.Reply reply(Message query, int rcode, boolean authoritative) {
        Message response = Responses.start(query, rcode, forwarding);
        if (authoritative) {
            response.getHeader().setFlag(Flags.AA);
        }
        return new ZoneAnswer.Reply(response);
    }
}

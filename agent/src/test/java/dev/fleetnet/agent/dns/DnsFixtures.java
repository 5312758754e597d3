package dev.fleetnet.agent.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The fleet every DNS test answers from. Network 1 on hosts host-a (1) and host-b (2); network 2
 * on host-a. This agent runs on host-a.
 *
 * <pre>
 * web-1       web   host-a  fdaa:0:1:0:1:0:1:0
 * web-2       web   host-b  fdaa:0:1:0:2:0:1:0
 * web-3       web   host-a  fdaa:0:1:0:1:0:2:0
 * web-4       web   host-b  fdaa:0:1:0:2:0:2:0  stopped
 * db-1        db    host-b  fdaa:0:1:0:2:0:3:0
 * api         -     host-a  fdaa:0:1:0:1:0:3:0  (a machine named like the app below)
 * api-worker  api   host-b  fdaa:0:1:0:2:0:4:0
 * secret-1    secret host-a fdaa:0:2:0:1:0:1:0  network 2
 * web-9       web   host-a  fdaa:0:2:0:1:0:2:0  network 2
 * </pre>
 */
final class DnsFixtures {
    static final String NET1_CALLER = "fdaa:0:1:0:1:0:1:0"; // web-1
    static final String NET2_CALLER = "fdaa:0:2:0:1:0:1:0"; // secret-1
    static final Duration TTL = Duration.ofSeconds(5);

    private DnsFixtures() {}

    static List<DnsMachine> machines() {
        return List.of(
                new DnsMachine("web-1", "web", "fdaa:0:1:0:1:0:1:0", 1, "host-a", true),
                new DnsMachine("web-2", "web", "fdaa:0:1:0:2:0:1:0", 1, "host-b", true),
                new DnsMachine("web-3", "web", "fdaa:0:1:0:1:0:2:0", 1, "host-a", true),
                new DnsMachine("web-4", "web", "fdaa:0:1:0:2:0:2:0", 1, "host-b", false),
                new DnsMachine("db-1", "db", "fdaa:0:1:0:2:0:3:0", 1, "host-b", true),
                new DnsMachine("api", "", "fdaa:0:1:0:1:0:3:0", 1, "host-a", true),
                new DnsMachine("api-worker", "api", "fdaa:0:1:0:2:0:4:0", 1, "host-b", true),
                new DnsMachine("secret-1", "secret", "fdaa:0:2:0:1:0:1:0", 2, "host-a", true),
                new DnsMachine("web-9", "web", "fdaa:0:2:0:1:0:2:0", 2, "host-a", true));
    }

    static DnsDirectory directory() {
        return new DnsDirectory(7, "host-a", machines());
    }

    /** {@code count} running machines of app {@code big} in network 1, for answers that do not fit. */
    static DnsDirectory bigApp(int count) {
        List<DnsMachine> machines = new ArrayList<>(machines());
        for (int i = 1; i <= count; i++) {
            machines.add(new DnsMachine("big-" + i, "big", "fdaa:0:1:0:1:0:" + Integer.toHexString(0x100 + i) + ":0", 1,
                    "host-a", true));
        }
        return new DnsDirectory(8, "host-a", machines);
    }

    static DnsConfig config(List<InetSocketAddress> upstreams) {
        return new DnsConfig(new InetSocketAddress(ip("::1"), 0), upstreams, TTL);
    }

    static DnsConfig config() {
        return config(List.of());
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only in tests: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static Message query(String name, String type) {
        try {
            return Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), Type.value(type), DClass.IN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Message queryWithEdns(String name, String type, int payload) {
        Message query = query(name, type);
        query.addRecord(new OPTRecord(payload, 0, 0), Section.ADDITIONAL);
        return query;
    }

    static Message parse(byte[] wire) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The answer section as text: AAAA addresses, TXT strings quoted, one record per entry. */
    static List<String> answers(Message response) {
        return response.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
    }
}

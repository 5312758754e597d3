package dev.fleetnet.agent.dns;

import static dev.fleetnet.agent.dns.DnsFixtures.NET1_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.config;
import static dev.fleetnet.agent.dns.DnsFixtures.ip;
import static dev.fleetnet.agent.dns.DnsFixtures.parse;
import static dev.fleetnet.agent.dns.DnsFixtures.query;
import static dev.fleetnet.agent.dns.DnsFixtures.queryWithEdns;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

class DnsResponderTest {
    private static final InternalZone ZONE = InternalZone.of(DnsFixtures.bigApp(60), config());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what                         | query bytes (hex)                                  | outcome
            empty                          | ''                                                 | DROP
            11 bytes                       | 1234010000010000000000                             | DROP
            a response (QR set)            | 1234810000010000000000000377777700001c0001         | DROP
            opcode IQUERY                  | 1234090000010000000000000377777700001c0001         | NOTIMP
            opcode STATUS                  | 1234110000010000000000000377777700001c0001         | NOTIMP
            opcode NOTIFY                  | 1234210000010000000000000377777700001c0001         | NOTIMP
            opcode UPDATE                  | 1234290000010000000000000377777700001c0001         | NOTIMP
            no question                    | 123401000000000000000000                           | FORMERR
            two questions                  | 1234010000020000000000000377777700001c0001         | FORMERR
            header only, QDCOUNT 1         | 123401000001000000000000                           | FORMERR
            label runs past the end        | 1234010000010000000000003f7777                     | FORMERR
            compression pointer loop       | 123401000001000000000000c00c001c0001               | FORMERR
            question without type          | 12340100000100000000000003777777                   | FORMERR
            TC set and the question cut    | 12340300000100000000000003777777                   | FORMERR
            """)
    void malformedQueriesAreAnsweredFromTheHeaderOrDropped(String what, String hex, String outcome) {
        byte[] wire = HexFormat.of().parseHex(hex);

        DnsResponder.Action action = DnsResponder.respond(ZONE, wire, ip(NET1_CALLER), false);

        if (outcome.equals("DROP")) {
            assertThat(action).isInstanceOf(DnsResponder.Drop.class);
            return;
        }
        byte[] reply = ((DnsResponder.Reply) action).wire();
        assertThat(reply).hasSize(12);
        assertThat(Responses.id(reply)).isEqualTo(0x1234);
        Message response = parse(reply);
        assertThat(response.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(response.getHeader().getOpcode()).isEqualTo((wire[2] >>> 3) & 0x0f);
        assertThat(Rcode.string(response.getRcode())).isEqualTo(outcome);
    }

    @Test
    void anUnknownEdnsVersionGetsBadvers() {
        Message query = query("web-1.internal.", "AAAA");
        query.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);

        Message response = parse(reply(query, false));

        assertThat(response.getRcode()).isEqualTo(Rcode.BADVERS);
        assertThat(response.getSection(Section.ANSWER)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # transport and EDNS payload | largest reply | TC
            udp, no EDNS                 | 512           | true
            udp, EDNS 512                | 512           | true
            udp, EDNS 900                | 900           | true
            udp, EDNS 4096               | 1232          | true
            tcp                          | 65535         | false
            """)
    void answersLargerThanTheClientTakesSetTc(String transport, int limit, boolean truncated) {
        Message query = transport.contains("EDNS ")
                ? queryWithEdns("big.internal.", "AAAA", Integer.parseInt(transport.replaceAll(".*EDNS ", "")))
                : query("big.internal.", "AAAA");

        byte[] wire = reply(query, transport.startsWith("tcp"));

        Message response = parse(wire);
        assertThat(wire.length).isLessThanOrEqualTo(limit);
        assertThat(response.getHeader().getFlag(Flags.TC)).isEqualTo(truncated);
        assertThat(response.getSection(Section.ANSWER)).hasSize(truncated ? 0 : 60); // whole RRsets only
        assertThat(response.getOPT() != null).isEqualTo(query.getOPT() != null);
    }

    @Test
    void smallAnswersFitAndEchoEdns() {
        Message response = parse(reply(queryWithEdns("web-1.internal.", "AAAA", 1232), false));

        assertThat(response.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(response.getSection(Section.ANSWER)).hasSize(1);
        assertThat(response.getOPT().getPayloadSize()).isEqualTo(Responses.MAX_UDP_PAYLOAD);
    }

    @Test
    void otherZonesBecomeForwardsWithTheClientsLimit() {
        InternalZone forwarding = InternalZone.of(DnsFixtures.directory(),
                config(List.of(new InetSocketAddress(ip("::1"), 5353))));
        Message query = queryWithEdns("www.example.test.", "AAAA", 1000);

        DnsResponder.Action action = DnsResponder.respond(forwarding, query.toWire(), ip(NET1_CALLER), false);

        assertThat(action).isInstanceOfSatisfying(DnsResponder.Forward.class, f -> {
            assertThat(f.limit()).isEqualTo(1000);
            assertThat(f.query().getQuestion()).isEqualTo(query.getQuestion());
        });
    }

    @Test
    void anUpstreamAnswerTooBigForTheClientBecomesTcWithTheQuestion() {
        Message query = query("big.example.test.", "AAAA");
        byte[] big = new byte[2000];
        big[0] = 0x12;
        big[1] = 0x34;
        big[2] = (byte) 0x81; // QR, RD
        big[3] = (byte) 0x80; // RA

        Message fitted = parse(Responses.fit(big, query, 512));

        assertThat(fitted.getHeader().getID()).isEqualTo(0x1234);
        assertThat(fitted.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(fitted.getHeader().getFlag(Flags.RA)).isTrue();
        assertThat(fitted.getQuestion()).isEqualTo(query.getQuestion());
        assertThat(Responses.fit(new byte[100], query, 512)).hasSize(100);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            same id and question | 4660 | www.example.test. | true
            other id             | 4661 | www.example.test. | false
            other name           | 4660 | ww2.example.test. | false
            """)
    void onlyAResponseToTheQueryIsAccepted(String what, int id, String name, boolean accepted) {
        Message query = query("www.example.test.", "AAAA");
        Message response = Responses.start(query(name, "AAAA"), Rcode.NOERROR, true);
        response.getHeader().setID(0x1234);

        assertThat(Responses.answers(response.toWire(), id, query.getQuestion())).isEqualTo(accepted);
        assertThat(Responses.answers(query.toWire(), query.getHeader().getID(), query.getQuestion()))
                .as("a query is not a response").isFalse();
    }

    private static byte[] reply(Message query, boolean tcp) {
        DnsResponder.Action action = DnsResponder.respond(ZONE, query.toWire(), ip(NET1_CALLER), tcp);
        assertThat(action).isInstanceOf(DnsResponder.Reply.class);
        return ((DnsResponder.Reply) action).wire();
    }
}

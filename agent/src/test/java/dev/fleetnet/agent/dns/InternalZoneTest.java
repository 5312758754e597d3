package dev.fleetnet.agent.dns;

import static dev.fleetnet.agent.dns.DnsFixtures.NET1_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.NET2_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.answers;
import static dev.fleetnet.agent.dns.DnsFixtures.config;
import static dev.fleetnet.agent.dns.DnsFixtures.directory;
import static dev.fleetnet.agent.dns.DnsFixtures.ip;
import static dev.fleetnet.agent.dns.DnsFixtures.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.core.Ipv6;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

class InternalZoneTest {
    private static final InternalZone ZONE = InternalZone.of(directory(), config());
    private static final InternalZone FORWARDING = InternalZone.of(directory(),
            config(List.of(new InetSocketAddress(ip("::1"), 5353))));

    @ParameterizedTest(name = "{1} {2} from {0}: {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # caller     | name                            | type | rcode    | answers (space-separated; TXT records as dig prints them)
            NET1         | web-1.internal.                 | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0
            NET1         | WEB-1.InTeRnAl.                 | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0
            NET1         | web.internal.                   | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0
            NET1         | top1.nearest.of.web.internal.   | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0
            NET1         | top2.nearest.of.web.internal.   | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0
            NET1         | TOP3.Nearest.OF.Web.internal.   | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0
            NET1         | top99.nearest.of.web.internal.  | AAAA | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0
            NET1         | top1.nearest.of.api.internal.   | AAAA | NOERROR  | fdaa:0:1:0:2:0:4:0
            NET1         | top0.nearest.of.web.internal.   | AAAA | NXDOMAIN | -
            NET1         | top01.nearest.of.web.internal.  | AAAA | NXDOMAIN | -
            NET1         | topx.nearest.of.web.internal.   | AAAA | NXDOMAIN | -
            NET1         | top1.nearest.of.nope.internal.  | AAAA | NXDOMAIN | -
            NET1         | top1.closest.of.web.internal.   | AAAA | NXDOMAIN | -
            NET1         | _apps.internal.                 | TXT  | NOERROR  | "api,db,web"
            NET1         | vms.web.internal.               | TXT  | NOERROR  | "web-1,web-2,web-3"
            NET1         | VMS.API.internal.               | TXT  | NOERROR  | "api-worker"
            NET1         | _instances.internal.            | TXT  | NOERROR  | "instance=api,app=,ip=fdaa:0:1:0:1:0:3:0,host=host-a" "instance=web-1,app=web,ip=fdaa:0:1:0:1:0:1:0,host=host-a" "instance=web-3,app=web,ip=fdaa:0:1:0:1:0:2:0,host=host-a" "instance=api-worker,app=api,ip=fdaa:0:1:0:2:0:4:0,host=host-b" "instance=db-1,app=db,ip=fdaa:0:1:0:2:0:3:0,host=host-b" "instance=web-2,app=web,ip=fdaa:0:1:0:2:0:1:0,host=host-b"
            NET1         | api.internal.                   | AAAA | NOERROR  | fdaa:0:1:0:1:0:3:0
            NET1         | web-4.internal.                 | AAAA | NXDOMAIN | -
            NET1         | secret-1.internal.              | AAAA | NXDOMAIN | -
            NET1         | secret.internal.                | AAAA | NXDOMAIN | -
            NET1         | vms.secret.internal.            | TXT  | NXDOMAIN | -
            NET1         | nothing.internal.               | AAAA | NXDOMAIN | -
            NET1         | a.b.c.d.e.internal.             | AAAA | NXDOMAIN | -
            NET1         | web-1.internal.                 | A    | NOERROR  | -
            NET1         | web-1.internal.                 | TXT  | NOERROR  | -
            NET1         | _apps.internal.                 | AAAA | NOERROR  | -
            NET1         | vms.web.internal.               | AAAA | NOERROR  | -
            NET1         | of.web.internal.                | AAAA | NOERROR  | -
            NET1         | nearest.of.web.internal.        | AAAA | NOERROR  | -
            NET1         | vms.internal.                   | TXT  | NOERROR  | -
            NET1         | web-1.internal.                 | ANY  | NOERROR  | fdaa:0:1:0:1:0:1:0
            NET1         | internal.                       | SOA  | NOERROR  | ns.internal. hostmaster.internal. 7 3600 600 86400 5
            NET1         | internal.                       | AAAA | NOERROR  | -
            NET2         | secret-1.internal.              | AAAA | NOERROR  | fdaa:0:2:0:1:0:1:0
            NET2         | web.internal.                   | AAAA | NOERROR  | fdaa:0:2:0:1:0:2:0
            NET2         | web-1.internal.                 | AAAA | NXDOMAIN | -
            NET2         | db.internal.                    | AAAA | NXDOMAIN | -
            NET2         | _apps.internal.                 | TXT  | NOERROR  | "secret,web"
            NET2         | vms.web.internal.               | TXT  | NOERROR  | "web-9"
            fdaa:0:3:0:1:0:1:0 | _apps.internal.           | TXT  | NOERROR  | -
            fdaa:0:3:0:1:0:1:0 | web.internal.             | AAAA | NXDOMAIN | -
            ::1                | web-1.internal.           | AAAA | REFUSED  | -
            127.0.0.1          | web-1.internal.           | AAAA | REFUSED  | -
            fdaa::3            | web-1.internal.           | AAAA | REFUSED  | -
            fdaa:0:0:0:1::1    | web-1.internal.           | AAAA | REFUSED  | -
            fd00::1            | _apps.internal.           | TXT  | REFUSED  | -
            NET1         | www.example.com.                | AAAA | REFUSED  | -
            NET1         | internal.example.com.           | AAAA | REFUSED  | -
            NET1         | web-1.internal.                 | AXFR | REFUSED  | -
            """)
    void answersEveryNameForm(String caller, String name, String type, String rcode, String expected) {
        Message response = reply(ZONE.answer(query(name, type), source(caller)));

        assertThat(Rcode.string(response.getRcode())).isEqualTo(rcode);
        List<String> want = expected == null ? List.of() : type.equals("SOA") ? List.of(expected) : split(expected);
        assertThat(answers(response).stream().map(InternalZoneTest::canonical).toList()).isEqualTo(want);
        assertThat(response.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(response.getQuestion().getName().toString()).isEqualTo(name); // the asker's spelling, 0x20-safe
        for (Record record : response.getSection(Section.ANSWER)) {
            assertThat(record.getTTL()).isEqualTo(5);
            assertThat(record.getName().toString()).isEqualTo(name);
        }
        List<Record> authority = response.getSection(Section.AUTHORITY);
        if (rcode.equals("REFUSED")) {
            assertThat(response.getHeader().getFlag(Flags.AA)).isFalse();
            assertThat(authority).isEmpty();
        } else if (want.isEmpty()) {
            // NXDOMAIN and NODATA carry the SOA, whose minimum (and TTL) is the negative TTL.
            assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(authority).singleElement().isInstanceOfSatisfying(SOARecord.class, soa -> {
                assertThat(soa.getName()).isEqualTo(InternalZone.ORIGIN);
                assertThat(soa.getMinimum()).isEqualTo(5);
                assertThat(soa.getTTL()).isEqualTo(5);
            });
        } else {
            assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(authority).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0} from {1} with upstreams: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            www.example.com.      | NET1    | FORWARD
            WWW.Example.COM.      | NET2    | FORWARD
            www.example.com.      | ::1     | FORWARD
            internal.example.com. | NET1    | FORWARD
            web-1.internal.       | NET1    | fdaa:0:1:0:1:0:1:0
            web-1.internal.       | ::1     | REFUSED
            """)
    void otherZonesAreForwardedWhenThereAreUpstreams(String name, String caller, String expected) {
        ZoneAnswer answer = FORWARDING.answer(query(name, "AAAA"), source(caller));

        switch (answer) {
            case ZoneAnswer.Forward forward -> assertThat(expected).isEqualTo("FORWARD");
            case ZoneAnswer.Reply reply -> {
                Message response = reply.message();
                assertThat(response.getHeader().getFlag(Flags.RA)).isTrue();
                String got = response.getRcode() == Rcode.NOERROR ? canonical(answers(response).get(0)) : Rcode.string(response.getRcode());
                assertThat(got).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest(name = "PTR {0} from {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            fdaa:0:1:0:1:0:1:0 | NET1 | web-1.internal.
            fdaa:0:1:0:1:0:1:0 | NET2 | NXDOMAIN
            fdaa:0:1:0:2:0:9:0 | NET1 | NXDOMAIN
            fdaa:0:1:0:1:0:1:0 | ::1  | REFUSED
            """)
    void reverseLookupsOfFleetAddressesAreAnsweredHereForTheCallersNetworkOnlyAndNeverForwarded(String address, String caller,
            String expected) {
        org.xbill.DNS.Name name = org.xbill.DNS.ReverseMap.fromAddress(ip(address));
        ZoneAnswer answer = FORWARDING.answer(query(name.toString(), "PTR"), source(caller));

        Message response = reply(answer); // a Reply: fdaa::/16's reverse zone never goes upstream
        String got = response.getRcode() == Rcode.NOERROR ? answers(response).get(0) : Rcode.string(response.getRcode());
        assertThat(got).isEqualTo(expected);
        if (expected.equals("NXDOMAIN")) {
            assertThat(response.getSection(Section.AUTHORITY)).singleElement()
                    .extracting(org.xbill.DNS.Record::getName).isEqualTo(InternalZone.REVERSE_ORIGIN);
        }
        assertThat(FORWARDING.answer(query("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", "PTR"),
                source("NET1"))).as("other reverse zones").isInstanceOf(ZoneAnswer.Forward.class);
    }

    @Test
    void withoutUpstreamsRecursionIsNotAvailable() {
        Message response = reply(ZONE.answer(query("www.example.com.", "A"), source("NET1")));

        assertThat(response.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(response.getHeader().getFlag(Flags.RA)).isFalse();
    }

    @ParameterizedTest(name = "local host {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            host-a | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0
            host-b | fdaa:0:1:0:2:0:1:0 fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0
            host-z | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0
            """)
    void nearestPutsTheLocalHostFirstThenOtherHostsByName(String localHost, String expected) {
        InternalZone zone = InternalZone.of(new DnsDirectory(1, localHost, DnsFixtures.machines()), config());

        Message top3 = reply(zone.answer(query("top3.nearest.of.web.internal.", "AAAA"), source("NET1")));
        Message app = reply(zone.answer(query("web.internal.", "AAAA"), source("NET1")));

        assertThat(answers(top3).stream().map(InternalZoneTest::canonical).toList()).isEqualTo(split(expected));
        assertThat(answers(app)).isEqualTo(answers(top3));
    }

    @Test
    void stoppedMachinesDoNotExist() {
        List<DnsMachine> machines = DnsFixtures.machines().stream()
                .map(m -> m.name().equals("web-1") ? new DnsMachine("web-1", "web", m.address(), 1, "host-a", false) : m)
                .toList();
        InternalZone zone = InternalZone.of(new DnsDirectory(8, "host-a", machines), config());

        assertThat(reply(zone.answer(query("web-1.internal.", "AAAA"), source("NET1"))).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(answers(reply(zone.answer(query("vms.web.internal.", "TXT"), source("NET1"))))).containsExactly("\"web-2,web-3\"");
        assertThat(answers(reply(zone.answer(query("web.internal.", "AAAA"), source("NET1"))))).hasSize(2);
    }

    @Test
    void anEmptyDirectoryStillHasTheApexAndTheListingNames() {
        InternalZone zone = InternalZone.of(DnsDirectory.empty(), config());

        assertThat(reply(zone.answer(query("_apps.internal.", "TXT"), source("NET1"))).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply(zone.answer(query("_instances.internal.", "TXT"), source("NET1"))).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply(zone.answer(query("vms.internal.", "TXT"), source("NET1"))).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(reply(zone.answer(query("internal.", "SOA"), source("NET1"))).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void longListsContinueInTheNextStringOfTheSameRecord() {
        List<String> names = IntStream.range(0, 60).mapToObj(i -> "machine-" + i).toList();

        List<String> strings = NetworkIndex.commaList(names);

        assertThat(strings).hasSizeGreaterThan(1).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));
        assertThat(String.join("", strings)).isEqualTo(String.join(",", names));
        assertThat(strings.subList(0, strings.size() - 1)).allSatisfy(s -> assertThat(s).endsWith(","));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            network     | machine web: network 2 (expected: 1, the network of its address fdaa:0:1:0:1:0:1:0)
            address     | machine web: address 'not-an-address' (expected: an IPv6 address such as fdaa:0:1:0:1:0:1:0)
            outside     | address: 'fd00::1' (expected: inside fdaa::/16)
            name        | machine name: '' (expected: a name such as 'web-1')
            ttl         | ttl: PT-1S (expected: whole seconds, 0..2147483647 s)
            ttl-fraction| ttl: PT0.5S (expected: whole seconds, 0..2147483647 s)
            """)
    void badValuesSayWhatWasWrongAndWhatWasExpected(String what, String message) {
        Runnable make = switch (what) {
            case "network" -> () -> new DnsMachine("web", "web", "fdaa:0:1:0:1:0:1:0", 2, "h", true);
            case "address" -> () -> new DnsMachine("web", "web", "not-an-address", 1, "h", true);
            case "outside" -> () -> new DnsMachine("web", "web", "fd00::1", 1, "h", true);
            case "name" -> () -> new DnsMachine("", "web", "fdaa:0:1:0:1:0:1:0", 1, "h", true);
            case "ttl" -> () -> new DnsConfig(new InetSocketAddress(ip("::1"), 53), List.of(), Duration.ofSeconds(-1));
            case "ttl-fraction" -> () -> new DnsConfig(new InetSocketAddress(ip("::1"), 53), List.of(), Duration.ofMillis(500));
            default -> throw new IllegalArgumentException(what);
        };
        assertThatThrownBy(make::run).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void addressesAreKeptCanonical() {
        assertThat(new DnsMachine("web", "", "FDAA:0000:0001::0001:0:1:0", 1, "h", true).address())
                .isEqualTo("fdaa:0:1:0:1:0:1:0");
    }

    private static Message reply(ZoneAnswer answer) {
        assertThat(answer).isInstanceOf(ZoneAnswer.Reply.class);
        return ((ZoneAnswer.Reply) answer).message();
    }

    private static java.net.InetAddress source(String caller) {
        return ip(switch (caller) {
            case "NET1" -> NET1_CALLER;
            case "NET2" -> NET2_CALLER;
            default -> caller;
        });
    }

    private static List<String> split(String expected) {
        // TXT answers keep their quotes: split on spaces between records only.
        if (expected.startsWith("\"")) {
            return Arrays.stream(expected.split("(?<=\") (?=\")")).toList();
        }
        return Arrays.asList(expected.split(" "));
    }

    private static String canonical(String rdata) {
        return Ipv6.isValid(rdata) ? Ipv6.canonical(rdata) : rdata;
    }
}

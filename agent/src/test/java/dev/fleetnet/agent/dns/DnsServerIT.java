package dev.fleetnet.agent.dns;

import static dev.fleetnet.agent.dns.DnsFixtures.NET1_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.NET2_CALLER;
import static dev.fleetnet.agent.dns.DnsFixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.netns.NamespaceRunner;
import io.netty.channel.EventLoopGroup;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server in a real namespace on {@code [fdaa::3]:53}, asked by the real {@code dig} from two
 * machine addresses of different networks (on lo, like a host's machines behind their links),
 * over UDP and TCP; other zones go to a real {@code dnsmasq} in the same namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsServerIT {
    private static final String DNS = "fdaa::3";
    private static final String UPSTREAM = "fd00:53::1";
    private static final int UPSTREAM_PORT = 5353;
    private static final int NO_UPSTREAM_PORT = 5300;

    private final Sandbox sandbox = new Sandbox();
    private final NamespaceRunner runner = new NamespaceRunner();
    private String namespace;
    private EventLoopGroup group;
    private DnsServer server;
    private DnsServer alone;
    private Process dnsmasq;
    private long revision = 100; // every update newer than the last: an older one is ignored

    @BeforeAll
    void startInANamespace() throws Exception {
        try {
            namespace = sandbox.namespace("-dns");
            for (String address : List.of(DNS, NET1_CALLER, NET2_CALLER, UPSTREAM)) {
                Sandbox.run("ip", "-n", namespace, "addr", "add", address + "/128", "dev", "lo", "nodad");
            }
            dnsmasq = new ProcessBuilder("ip", "netns", "exec", namespace, "dnsmasq", "--keep-in-foreground", "--no-resolv",
                    "--no-hosts", "--bind-interfaces", "--listen-address=" + UPSTREAM, "--port=" + UPSTREAM_PORT,
                    "--host-record=www.example.test,fd00::99", "--local=/example.test/", "--pid-file=", "--log-facility=-")
                    .redirectErrorStream(true).redirectOutput(new File("target/dnsmasq-" + namespace + ".log")).start();
            assertThat(Sandbox.await(Duration.ofSeconds(10), () -> Dig.run(namespace, UPSTREAM, UPSTREAM_PORT, UPSTREAM, false,
                    "www.example.test", "AAAA").status().equals("NOERROR"))).as("dnsmasq answers").isTrue();
            // Sockets belong to the namespace of the thread that makes them: the group's threads start
            // inside this task (so the forwarder's upstream sockets are in the namespace too).
            runner.call(namespace, () -> {
                group = Transports.group(1);
                server = DnsServer.start(new DnsConfig(new InetSocketAddress(ip(DNS), 53),
                        List.of(new InetSocketAddress(ip(UPSTREAM), UPSTREAM_PORT)), Duration.ofSeconds(5)), group);
                alone = DnsServer.start(new DnsConfig(new InetSocketAddress(ip(DNS), NO_UPSTREAM_PORT), List.of(),
                        Duration.ofSeconds(5)), group);
                return null;
            });
            server.update(DnsFixtures.directory());
            alone.update(DnsFixtures.directory());
        } catch (Throwable e) {
            stopAll();
            throw e;
        }
    }

    @AfterAll
    void stopAll() throws InterruptedException {
        try {
            for (DnsServer s : Arrays.asList(server, alone)) {
                if (s != null) {
                    s.close();
                }
            }
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
            if (dnsmasq != null) {
                dnsmasq.destroy();
                dnsmasq.waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            runner.close();
            sandbox.close();
        }
    }

    @ParameterizedTest(name = "{0} from {1} ({5}): {2} {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            web-1.internal                | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0                                              | AAAA | udp
            web-1.internal                | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0                                              | AAAA | tcp
            WEB-2.Internal                | NET1    | NOERROR  | fdaa:0:1:0:2:0:1:0                                              | AAAA | udp
            web.internal                  | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0       | AAAA | udp
            web.internal                  | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0 fdaa:0:1:0:2:0:1:0       | AAAA | tcp
            top2.nearest.of.web.internal  | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0                          | AAAA | udp
            top2.nearest.of.web.internal  | NET1    | NOERROR  | fdaa:0:1:0:1:0:1:0 fdaa:0:1:0:1:0:2:0                          | AAAA | tcp
            _apps.internal                | NET1    | NOERROR  | "api,db,web"                                                    | TXT  | udp
            _apps.internal                | NET2    | NOERROR  | "secret,web"                                                    | TXT  | tcp
            vms.web.internal              | NET1    | NOERROR  | "web-1,web-2,web-3"                                             | TXT  | udp
            _instances.internal           | NET2    | NOERROR  | "instance=secret-1,app=secret,ip=fdaa:0:2:0:1:0:1:0,host=host-a" "instance=web-9,app=web,ip=fdaa:0:2:0:1:0:2:0,host=host-a" | TXT | tcp
            internal                      | NET1    | NOERROR  | ns.internal. hostmaster.internal. 7 3600 600 86400 5            | SOA  | udp
            web-1.internal                | NET1    | NOERROR  | -                                                               | A    | udp
            nothing.internal              | NET1    | NXDOMAIN | -                                                               | AAAA | udp
            secret-1.internal             | NET1    | NXDOMAIN | -                                                               | AAAA | udp
            secret-1.internal             | NET1    | NXDOMAIN | -                                                               | AAAA | tcp
            web-1.internal                | NET2    | NXDOMAIN | -                                                               | AAAA | udp
            web-1.internal                | NET2    | NXDOMAIN | -                                                               | AAAA | tcp
            secret-1.internal             | NET2    | NOERROR  | fdaa:0:2:0:1:0:1:0                                              | AAAA | udp
            web.internal                  | NET2    | NOERROR  | fdaa:0:2:0:1:0:2:0                                              | AAAA | udp
            web-1.internal                | fdaa::3 | REFUSED  | -                                                               | AAAA | udp
            www.example.test              | NET1    | NOERROR  | fd00::99                                                        | AAAA | udp
            www.example.test              | NET2    | NOERROR  | fd00::99                                                        | AAAA | tcp
            nothing.example.test          | NET1    | NXDOMAIN | -                                                               | AAAA | udp
            """)
    void digSeesEveryNameForm(String name, String caller, String status, String expected, String type, String transport) {
        Dig dig = Dig.run(namespace, DNS, 53, source(caller), transport.equals("tcp"), name, type);

        assertThat(dig.status()).as(dig.output()).isEqualTo(status);
        List<String> want = expected == null ? List.of()
                : type.equals("SOA") ? List.of(expected) : List.of(expected.split("(?<=[\\w\"]) (?=[\\w\"])"));
        assertThat(dig.answers().stream().map(a -> a.split(" ", 3)[2]).toList()).as(dig.output()).isEqualTo(want);
        if (name.endsWith("internal") && !status.equals("REFUSED")) {
            assertThat(dig.flags()).as("authoritative").contains("aa");
            assertThat(dig.answers()).allSatisfy(a -> assertThat(a).startsWith(type + " 5 "));
            if (want.isEmpty()) {
                assertThat(dig.authority()).singleElement().asString().startsWith("SOA 5 ns.internal. hostmaster.internal.");
            }
        }
    }

    /** On the second server, so the main one keeps revision 7 (its SOA serial) for the table above. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"udp", "tcp"})
    void aStoppedMachineDisappearsRightAfterUpdate(String transport) {
        boolean tcp = transport.equals("tcp");
        assertThat(Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, tcp, "web-2.internal", "AAAA").status()).isEqualTo("NOERROR");
        List<DnsMachine> stopped = DnsFixtures.machines().stream()
                .map(m -> m.name().equals("web-2") ? new DnsMachine(m.name(), m.app(), m.address(), m.network(), m.host(), false) : m)
                .toList();
        try {
            alone.update(new DnsDirectory(revision++, "host-a", stopped));

            assertThat(Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, tcp, "web-2.internal", "AAAA").status()).isEqualTo("NXDOMAIN");
            assertThat(Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, tcp, "vms.web.internal", "TXT").answers())
                    .containsExactly("TXT 5 \"web-1,web-3\"");
        } finally {
            alone.update(new DnsDirectory(revision++, "host-a", DnsFixtures.machines()));
        }
        assertThat(Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, tcp, "web-2.internal", "AAAA").status()).isEqualTo("NOERROR");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"udp", "tcp"})
    void otherZonesWithoutUpstreamsAreRefused(String transport) {
        Dig dig = Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, transport.equals("tcp"), "www.example.test", "AAAA");

        assertThat(dig.status()).as(dig.output()).isEqualTo("REFUSED");
        assertThat(Dig.run(namespace, DNS, NO_UPSTREAM_PORT, NET1_CALLER, transport.equals("tcp"), "web-1.internal", "AAAA")
                .answers()).containsExactly("AAAA 5 fdaa:0:1:0:1:0:1:0");
    }

    private static String source(String caller) {
        return switch (caller) {
            case "NET1" -> NET1_CALLER;
            case "NET2" -> NET2_CALLER;
            default -> caller;
        };
    }
}

package dev.fleetnet.ingress.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.core.ConnectionLimiter;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.ingress.core.IngressRoutes;
import dev.fleetnet.ingress.core.Poll;
import dev.fleetnet.ingress.core.ProxyV2Reader;
import dev.fleetnet.ingress.core.RecordingObserver;
import dev.fleetnet.ingress.core.StreamRelay;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.StreamRoute;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCP routes on loopback: listeners follow the table, connections relay to the machine (with a
 * PROXY v2 header when asked), and a machine that stops has its relays closed and new
 * connections reset while its server keeps running.
 */
class TcpIngressTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final EventLoopGroup group = Transports.group(1);
    private final UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(5));
    private final IngressRoutes routes = IngressRoutes.empty(new IngressNaming("fleet.test", 8080));
    private final IngressUpdater updater = new IngressUpdater(routes, connector);
    private final RecordingObserver observer = new RecordingObserver();
    private ServerSocket machine;
    private TcpIngress tcp;
    private int publicPort;

    @BeforeEach
    void start() throws Exception {
        machine = new ServerSocket(0, 16, LOOPBACK);
        machine.setSoTimeout((int) LIMIT.toMillis());
        publicPort = freePort();
        tcp = new TcpIngress(new TcpIngress.Config("host-1", LOOPBACK), routes, group, new ConnectionLimiter(100, 100),
                new StreamRelay(connector, observer, Duration.ofMinutes(5)), observer);
    }

    @AfterEach
    void stop() throws Exception {
        tcp.close();
        machine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private MachineEntry db(boolean running) {
        return new MachineEntry("db", "127.0.0.1", running, Set.of(machine.getLocalPort()), "", Set.of(machine.getLocalPort()));
    }

    private TcpIngress.Result apply(boolean running, StreamRoute... streams) {
        Map<String, StreamRoute> byKey = new java.util.HashMap<>();
        for (StreamRoute s : streams) {
            byKey.put(s.key(), s);
        }
        updater.apply(new IngressState(Map.of("db", db(running)), Map.of(), byKey));
        return tcp.apply();
    }

    private StreamRoute route(boolean proxyProtocol, String... hosts) {
        return StreamRoute.tcp(publicPort, "db", false, machine.getLocalPort(), "db", proxyProtocol, List.of(hosts));
    }

    private Socket client() throws IOException {
        Socket s = new Socket(LOOPBACK, publicPort);
        s.setSoTimeout((int) LIMIT.toMillis());
        return s;
    }

    private static String readLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = s.getInputStream().read(); c != '\n'; c = s.getInputStream().read()) {
            if (c < 0) {
                throw new IOException("closed after '" + line + "'");
            }
            line.append((char) c);
        }
        return line.toString();
    }

    private static void send(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Test
    void aClientThatSendsAndHalfClosesAtOnceStillGetsTheWholeAnswer() throws Exception {
        assertThat(apply(true, route(false)).bound()).containsExactly(publicPort);
        try (Socket client = client()) {
            // as socat does at the end of its input: data and FIN at once, before the relay has its machine connection
            client.getOutputStream().write("question\n".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            try (Socket server = machine.accept()) {
                assertThat(new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("the machine gets the data, then the FIN").isEqualTo("question\n");
                server.getOutputStream().write("answer\n".getBytes(StandardCharsets.US_ASCII));
                server.shutdownOutput();
                assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("the client gets the answer, then the FIN").isEqualTo("answer\n");
            }
        }
    }

    @Test
    void relaysBothWaysAndReportsTheConnection() throws Exception {
        assertThat(apply(true, route(false)).bound()).containsExactly(publicPort);
        try (Socket client = client(); Socket server = machine.accept()) {
            send(client, "ping");
            assertThat(readLine(server)).isEqualTo("ping");
            send(server, "pong!");
            assertThat(readLine(client)).isEqualTo("pong!");
        }
        RouteLabel label = new RouteLabel("tcp/" + publicPort, "tcp", "db");
        Poll.until(LIMIT, "the close reported", () -> !observer.closed.isEmpty());
        assertThat(observer.opened).containsExactly(label);
        var record = observer.closed.getFirst();
        assertThat(record.route()).isEqualTo(label);
        assertThat(record.machine()).isEqualTo("db");
        assertThat(record.bytesIn()).isEqualTo(5);
        assertThat(record.bytesOut()).isEqualTo(6);
    }

    @Test
    void proxyProtocolTellsTheMachineTheClientsAddressAndPort() throws Exception {
        apply(true, route(true));
        try (Socket client = client(); Socket server = machine.accept()) {
            send(client, "hello");
            ProxyV2Reader.Header header = ProxyV2Reader.read(server.getInputStream());
            assertThat(header.source()).isEqualTo(new InetSocketAddress(client.getLocalAddress(), client.getLocalPort()));
            assertThat(header.destination()).isEqualTo(new InetSocketAddress(LOOPBACK, publicPort));
            assertThat(readLine(server)).as("the client's bytes follow the header").isEqualTo("hello");
        }
        Poll.until(LIMIT, "the close reported", () -> !observer.closed.isEmpty());
        assertThat(observer.closed.getFirst().bytesIn()).as("the header is not the client's").isEqualTo(6);
    }

    @Test
    void aProxyHeaderTheClientSendsIsOnlyDataAfterTheIngressOwn() throws Exception {
        apply(true, route(true));
        byte[] forged = dev.fleetnet.ingress.core.ProxyV2.header(new InetSocketAddress("6.6.6.6", 666),
                new InetSocketAddress("7.7.7.7", 777));
        try (Socket client = client()) {
            // sent at once, before the ingress has connected to the machine
            client.getOutputStream().write(forged);
            client.getOutputStream().flush();
            try (Socket server = machine.accept()) {
                ProxyV2Reader.Header first = ProxyV2Reader.read(server.getInputStream());
                assertThat(first.source()).as("the header the machine reads first is the ingress's")
                        .isEqualTo(new InetSocketAddress(client.getLocalAddress(), client.getLocalPort()));
                assertThat(server.getInputStream().readNBytes(forged.length)).as("the client's bytes, as data").isEqualTo(forged);
            }
        }
    }

    @Test
    void stoppingTheMachineClosesItsRelaysAndResetsNewConnectionsUntilItStartsAgain() throws Exception {
        apply(true, route(false));
        try (Socket open = client(); Socket server = machine.accept()) {
            send(open, "one");
            assertThat(readLine(server)).isEqualTo("one");
            assertThat(connector.open("127.0.0.1")).isEqualTo(1);

            apply(false, route(false)); // the view stops the machine; its server keeps running

            assertThat(open.getInputStream().read()).as("the open relay is closed").isEqualTo(-1);
            assertThat(server.getInputStream().read()).as("the machine's side is closed too").isEqualTo(-1);
            try (Socket refused = client()) {
                assertThatThrownBy(() -> refused.getInputStream().read()).as("a new connection is reset")
                        .isInstanceOf(SocketException.class).hasMessageContaining("reset");
            }
            assertThat(observer.connectFailed).contains(new RouteLabel("tcp/" + publicPort, "tcp", "db"));

            apply(true, route(false));
            try (Socket again = client(); Socket server2 = machine.accept()) {
                send(again, "two");
                assertThat(readLine(server2)).isEqualTo("two");
            }
        }
    }

    @Test
    void changingOrRemovingTheRouteClosesTheRelaysThatWentThroughItWhileTheMachineRuns() throws Exception {
        apply(true, route(false));
        try (Socket open = client(); Socket server = machine.accept()) {
            send(open, "one");
            assertThat(readLine(server)).isEqualTo("one");
            assertThat(connector.openOnRoute("tcp", "tcp/" + publicPort)).isEqualTo(1);
            apply(true, route(false)); // the same route again: nothing closes
            send(open, "two");
            assertThat(readLine(server)).isEqualTo("two");

            apply(true, route(true)); // the route now sends PROXY v2: a relay opened without it must not stay

            assertThat(open.getInputStream().read()).as("the open relay is closed").isEqualTo(-1);
            assertThat(server.getInputStream().read()).as("the machine's side is closed too").isEqualTo(-1);
        }
        apply(true, route(false));
        try (Socket open = client(); Socket server = machine.accept()) {
            send(open, "three");
            assertThat(readLine(server)).isEqualTo("three");

            apply(true); // the route is deleted; its machine keeps running

            assertThat(open.getInputStream().read()).as("the open relay is closed").isEqualTo(-1);
            assertThat(server.getInputStream().read()).as("the machine's side is closed too").isEqualTo(-1);
            assertThat(routes.current().machine("db").running()).as("not a machine stop").isTrue();
        }
    }

    @Test
    void listenersFollowTheRoutesOfThisHostAndRetryFailedBinds() throws Exception {
        assertThat(apply(true, route(false, "host-2")).none()).as("another host's route").isTrue();
        assertThat(tcp.ports()).isEmpty();

        TcpIngress.Result taken;
        try (ServerSocket squatter = new ServerSocket(publicPort, 1, LOOPBACK)) {
            taken = apply(true, route(false, "host-1"));
            assertThat(taken.failed()).containsOnlyKeys(publicPort);
            assertThat(taken.failed().get(publicPort)).containsIgnoringCase("in use");
        }
        TcpIngress.Result retried = tcp.apply(); // the next view or resync, same table
        assertThat(retried.bound()).containsExactly(publicPort);
        assertThat(tcp.apply().none()).as("idempotent").isTrue();

        assertThat(apply(true).closed()).containsExactly(publicPort);
        assertThatThrownBy(this::client).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortWithNoRouteResetsAndReportsNothing() throws Exception {
        apply(true, route(false));
        routes.swap(routes.current().withoutStream("tcp/" + publicPort)); // route gone, listener not yet closed
        try (Socket c = client()) {
            assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(SocketException.class);
        }
        assertThat(observer.opened).isEmpty();
    }
}

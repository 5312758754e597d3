package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.ingress.core.Poll;
import dev.fleetnet.ingress.core.Transports;
import dev.fleetnet.ingress.core.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamPoolTest {
    private final EventLoopGroup group = Transports.group(1);
    private final List<Socket> accepted = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : accepted) {
            socket.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void connectionsStillConnectingCountTowardTheBound() throws Exception {
        try (ServerSocket machine = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                Socket probe = new Socket()) {
            InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", machine.getLocalPort());
            EventLoop loop = group.next();
            UpstreamPool pool = new UpstreamPool(loop, new UpstreamConnector(Duration.ofSeconds(5)), new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {}
            }, 2, Duration.ofSeconds(60));
            // Five requests in one turn of the loop, before any connection is through: at most two may be opened.
            List<Future<Channel>> acquired = loop.submit(() -> {
                List<Future<Channel>> futures = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    futures.add(pool.acquire(upstream));
                }
                return futures;
            }).get(10, TimeUnit.SECONDS);

            Poll.until(Duration.ofSeconds(10), "two connections handed out",
                    () -> acquired.stream().filter(Future::isSuccess).count() >= 2);
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS); // whatever the loop had queued with them (a connect too many) ran
            // What reached the machine: every connection the pool opened came before this probe, opened after it.
            probe.connect(machine.getLocalSocketAddress(), 10_000);
            int beforeProbe = 0;
            machine.setSoTimeout(10_000);
            while (true) {
                Socket socket = machine.accept();
                accepted.add(socket);
                if (socket.getPort() == probe.getLocalPort()) {
                    break;
                }
                beforeProbe++;
            }
            assertThat(beforeProbe).as("connections the machine got for five requests with a bound of two").isEqualTo(2);
            assertThat(acquired.stream().filter(Future::isDone).count()).as("the other three wait").isEqualTo(2);

            // A released connection goes to the first waiter, not to a new connection.
            Channel first = (Channel) acquired.stream().filter(Future::isSuccess).findFirst().orElseThrow().getNow();
            loop.submit(() -> pool.release(upstream, first, true)).get(10, TimeUnit.SECONDS);
            Poll.until(Duration.ofSeconds(10), "a waiter served", () -> acquired.stream().filter(Future::isSuccess).count() == 3);
            assertThat(acquired.get(2).getNow()).isSameAs(first);
        }
    }
}

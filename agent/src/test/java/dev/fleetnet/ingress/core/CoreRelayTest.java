package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The protocol-neutral core on its own: a raw TCP front-end of a dozen lines (what the tcp and
 * TLS passthrough routes are built from) made of {@link UpstreamConnector} and {@link Relay}
 * relays bytes both ways with backpressure, and a lifecycle close reaches its connections.
 */
class CoreRelayTest {
    private final EventLoopGroup group = Transports.group(1);
    private final UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(2));
    /** Blocking socket work of the test (the common pool may have a single thread on 2 cores). */
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ServerSocket upstream;
    private Channel frontEnd;

    @BeforeEach
    void start() throws Exception {
        upstream = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", upstream.getLocalPort()); // as views write addresses: literals
        frontEnd = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        client.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                connector.connect(ctx.channel().eventLoop(), target, new ChannelInboundHandlerAdapter())
                                        .addListener((ChannelFutureListener) f -> {
                                            if (!f.isSuccess()) {
                                                client.close();
                                                return;
                                            }
                                            client.pipeline().remove(ctx.handler());
                                            Relay.splice(client, f.channel());
                                            client.config().setAutoRead(true);
                                            f.channel().config().setAutoRead(true);
                                        });
                            }
                        });
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        frontEnd.close().sync();
        upstream.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        threads.shutdownNow();
    }

    @Test
    void relaysMegabytesBothWaysIntactWhileTheReaderIsSlow() throws Exception {
        byte[] payload = new byte[16 * 1024 * 1024];
        new Random(7).nextBytes(payload);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port())) {
            CompletableFuture<byte[]> echoedDigest = CompletableFuture.supplyAsync(() -> {
                try (Socket machine = upstream.accept()) {
                    // an echo that reads in small pieces: the relay must pause the client, not buffer 16 MiB
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    InputStream in = machine.getInputStream();
                    OutputStream out = machine.getOutputStream();
                    byte[] buf = new byte[4096];
                    long left = payload.length;
                    while (left > 0) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        digest.update(buf, 0, n);
                        out.write(buf, 0, n);
                        left -= n;
                    }
                    out.flush();
                    return digest.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            CompletableFuture<byte[]> returned = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.getInputStream().readNBytes(payload.length);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            client.getOutputStream().write(payload);
            client.getOutputStream().flush();
            byte[] expected = MessageDigest.getInstance("SHA-256").digest(payload);
            assertThat(echoedDigest.get(30, TimeUnit.SECONDS)).as("what reached the machine").isEqualTo(expected);
            assertThat(MessageDigest.getInstance("SHA-256").digest(returned.get(30, TimeUnit.SECONDS)))
                    .as("what came back").isEqualTo(expected);
        }
    }

    @Test
    void closingAMachinesConnectionsClosesTheRelayedClientWhileTheMachineStaysUp() throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port());
                Socket machine = acceptWithin(Duration.ofSeconds(5))) {
            client.getOutputStream().write("ping\n".getBytes());
            assertThat(new String(machine.getInputStream().readNBytes(5))).isEqualTo("ping\n");
            assertThat(connector.open("127.0.0.1")).isEqualTo(1);

            connector.closeAll("127.0.0.1"); // the machine stopped in the view; its server has not

            client.setSoTimeout(5000);
            assertThat(client.getInputStream().read()).as("the client sees the close").isEqualTo(-1);
            machine.setSoTimeout(5000);
            assertThat(machine.getInputStream().read()).as("the machine sees the close").isEqualTo(-1);
            assertThat(connector.open("127.0.0.1")).isZero();
        }
    }

    private Socket acceptWithin(Duration limit) throws Exception {
        upstream.setSoTimeout((int) limit.toMillis());
        return upstream.accept();
    }

    private int port() {
        return ((InetSocketAddress) frontEnd.localAddress()).getPort();
    }
}

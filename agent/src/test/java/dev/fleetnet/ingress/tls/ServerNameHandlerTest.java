package dev.fleetnet.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What TLS termination's first handler does with a ClientHello, on an in-memory channel. */
class ServerNameHandlerTest {
    @TempDir
    static Path dir;
    static Certificate late;

    @BeforeAll
    static void certificates() throws Exception {
        late = TestCertificates.make(dir, "late.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
    }

    private static byte[] clientHello(String serverName) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(params);
        ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), hello);
        return Arrays.copyOf(hello.array(), hello.position());
    }

    @Test
    void anUnknownNameIsRefusedOnceAndACertificateArrivingWhileItClosesMakesNoEngineForIt() throws Exception {
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        List<Object> behind = new ArrayList<>(); // what reaches the handlers after termination's first one
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                // The name gets its certificate while its refusal is being sent: before the closed
                // connection's last events, in which the decoder decodes the ClientHello it holds once more.
                store.apply(List.of(late), List.of());
                ctx.write(msg, promise);
            }
        }, new ServerNameHandler(store, Duration.ofSeconds(10)), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                behind.add(msg);
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                behind.add(evt);
            }
        });

        channel.writeInbound(Unpooled.wrappedBuffer(clientHello("late.test")));
        channel.runPendingTasks();

        ByteBuf alert = channel.readOutbound();
        assertThat(alert).as("unrecognized_name").isNotNull();
        byte[] sent = new byte[alert.readableBytes()];
        alert.readBytes(sent).release();
        assertThat(sent).containsExactly(21, 3, 3, 0, 2, 2, 112);
        assertThat(channel.isOpen()).isFalse();
        assertThat(store.current().sslContext("late.test")).as("the certificate did arrive").isNotNull();
        assertThat(behind).as("no TLS engine was made for the closed connection, and nothing of its bytes went on")
                .allMatch(e -> e instanceof SniCompletionEvent);
        assertThat((Object) channel.readOutbound()).as("no second alert").isNull();
        channel.finishAndReleaseAll();
    }
}

package dev.fleetnet.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.Record;

/**
 * One query to one upstream over UDP or TCP, on the caller's event loop (nothing blocks): a fresh
 * channel per exchange (a random source port for each UDP query), closed when the exchange ends.
 * The future fails on timeout, connection error or a closed connection; over UDP a datagram that
 * does not answer the query (id, question) is ignored rather than trusted.
 */
final class UpstreamExchange {
    private UpstreamExchange() {}

    static Future<byte[]> send(DnsChannels channels, EventLoop loop, InetSocketAddress upstream, byte[] query,
            Record question, boolean tcp, Duration timeout) {
        Promise<byte[]> promise = loop.newPromise();
        int id = Responses.id(query);
        Bootstrap bootstrap = new Bootstrap().group(loop);
        if (tcp) {
            bootstrap.channel(channels.socket())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Responses.TCP_LIMIT, 0, 2, 0, 2),
                                    new LengthFieldPrepender(2), new ResponseHandler(promise, id, question, true));
                        }
                    });
        } else {
            bootstrap.channel(channels.datagram()).handler(new ResponseHandler(promise, id, question, false));
        }
        ChannelFuture connect = bootstrap.connect(upstream);
        ScheduledFuture<?> timer = loop.schedule(() -> promise.tryFailure(
                new TimeoutException("upstream " + upstream + ": no answer within " + timeout.toMillis() + " ms")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            } else {
                f.channel().writeAndFlush(Unpooled.wrappedBuffer(query)).addListener((ChannelFuture w) -> {
                    if (!w.isSuccess()) {
                        promise.tryFailure(w.cause());
                    }
                });
            }
        });
        promise.addListener(done -> {
            timer.cancel(false);
            connect.channel().close();
        });
        return promise;
    }

    /** Completes the exchange with the first message that answers the query. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<Object> {
        private final Promise<byte[]> promise;
        private final int id;
        private final Record question;
        private final boolean tcp;

        ResponseHandler(Promise<byte[]> promise, int id, Record question, boolean tcp) {
            this.promise = promise;
            this.id = id;
            this.question = question;
            this.tcp = tcp;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            ByteBuf content = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg;
            byte[] wire = ByteBufUtil.getBytes(content);
            if (Responses.answers(wire, id, question)) {
                promise.trySuccess(wire);
            } else if (tcp) {
                promise.tryFailure(new IOException("upstream " + ctx.channel().remoteAddress() + ": answered another query"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new IOException("upstream " + ctx.channel().remoteAddress() + ": closed before answering"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.tryFailure(cause); // e.g. ICMP port unreachable on a connected UDP socket: try the next one now
        }
    }
}

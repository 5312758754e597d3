package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.Transports;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A machine speaking HTTP/2 with prior knowledge (h2c) that records every frame it receives,
 * header blocks as decoded with no check of their own (so a test sees whatever the ingress sent),
 * and answers each stream {@code 200 ok} once its request has ended.
 */
final class RecordingH2cMachine implements AutoCloseable {
    /** One received frame: a header block's fields in order ("name: value" lines), or "DATA " and its bytes. */
    final List<String> frames = new CopyOnWriteArrayList<>();
    private final Channel server;

    RecordingH2cMachine(EventLoopGroup group) throws InterruptedException {
        server = Transports.server(group).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().validateHeaders(false).build(),
                        new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(new Recorder());
                            }
                        }));
            }
        }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Every header block received, each as its "name: value" lines. */
    List<String> headerBlocks() {
        return frames.stream().filter(f -> !f.startsWith("DATA ")).toList();
    }

    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean end = false;
            if (msg instanceof Http2HeadersFrame h) {
                StringBuilder block = new StringBuilder();
                h.headers().forEach(e -> block.append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
                frames.add(block.toString());
                end = h.isEndStream();
            } else if (msg instanceof Http2DataFrame d) {
                frames.add("DATA " + d.content().toString(StandardCharsets.ISO_8859_1));
                end = d.isEndStream();
            }
            ReferenceCountUtil.release(msg);
            if (end) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer("ok".getBytes(StandardCharsets.US_ASCII)), true));
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}

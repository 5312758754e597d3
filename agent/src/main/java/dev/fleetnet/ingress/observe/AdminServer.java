package dev.fleetnet.ingress.observe;

import dev.fleetnet.ingress.core.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The agent's admin listener (loopback by default; machines never reach host addresses):
 * {@code GET /metrics} in the Prometheus text format and {@code GET /health}. Runs on its own
 * event loop, so a scrape never delays ingress traffic.
 */
public final class AdminServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(InetSocketAddress address, IngressMetrics metrics) throws InterruptedException {
        EventLoopGroup group = Transports.group(1);
        try {
            Channel channel = Transports.server(group)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(8192),
                                    new AdminHandler(metrics));
                        }
                    }).bind(address).sync().channel();
            return new AdminServer(group, channel);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully();
    }

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final IngressMetrics metrics;

        AdminHandler(IngressMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
            String path = request.uri();
            int query = path.indexOf('?');
            path = query < 0 ? path : path.substring(0, query);
            boolean read = request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
            FullHttpResponse response;
            if (!request.decoderResult().isSuccess()) {
                response = text(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request\n", "text/plain");
            } else if (!path.equals("/metrics") && !path.equals("/health")) {
                response = text(ctx, HttpResponseStatus.NOT_FOUND, "not found (expected: /metrics or /health)\n", "text/plain");
            } else if (!read) {
                response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed (expected: GET)\n", "text/plain");
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            } else if (path.equals("/health")) {
                response = text(ctx, HttpResponseStatus.OK, "{\"status\": \"ok\"}\n", "application/json");
            } else {
                ByteBuf body = ctx.alloc().buffer(16 * 1024);
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    metrics.writeText(out);
                } catch (IOException | RuntimeException e) {
                    body.release();
                    throw e;
                }
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, IngressMetrics.contentType());
            }
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            if (request.method().equals(HttpMethod.HEAD)) {
                response.content().clear();
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String type) {
            ByteBuf content = ctx.alloc().buffer(body.length());
            content.writeCharSequence(body, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

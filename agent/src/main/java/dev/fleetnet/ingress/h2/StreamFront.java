package dev.fleetnet.ingress.h2;

import dev.fleetnet.ingress.core.H2cConnections;
import dev.fleetnet.ingress.http.Http1Streams;
import dev.fleetnet.ingress.http.IngressContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The first handler of every client stream: admits the request head like an HTTP/1.1 request
 * (Host from {@code :authority}), then answers it, hands the stream to the HTTP/1.1 proxy, or
 * relays it frame by frame to the machine's h2c connection. Removes itself once decided.
 */
final class StreamFront extends ChannelInboundHandlerAdapter {
    private static final String TE = "te";
    private final IngressContext ingress;
    private final String serverName;
    private final H2cConnections upstreams;
    private boolean decided;
    /** The ingress answered the stream itself: whatever the client still sends for it is dropped as it arrives. */
    private boolean answered;
    /** Frames that arrived while the machine's stream was being opened. */
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    StreamFront(IngressContext ingress, String serverName, H2cConnections upstreams) {
        this.ingress = ingress;
        this.serverName = serverName;
        this.upstreams = upstreams;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!decided && msg instanceof Http2HeadersFrame headers) {
            decided = true;
            onHead(ctx, headers);
        } else if (decided && !answered) {
            pending.add(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        if (!targetsHttp(headers)) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR)); // malformed (RFC 9113 8.1.1)
            return;
        }
        HttpRequest request;
        try {
            request = HttpConversionUtil.toHttpRequest(0, headers, true);
        } catch (Http2Exception | RuntimeException e) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            return;
        }
        if (!request.headers().contains(HttpHeaderNames.HOST) && headers.authority() != null) {
            // RFC 9113 8.3.1: :authority stands for Host; the HTTP/1.1 side routes and forwards by Host.
            headers.set(HttpHeaderNames.HOST, headers.authority());
            request.headers().set(HttpHeaderNames.HOST, headers.authority());
        }
        InetSocketAddress client = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
        switch (Http1Streams.decide(request, ingress, client, serverName, ctx.alloc())) {
            case Http1Streams.Answer answer -> answer(ctx, answer.response());
            case Http1Streams.Http1 http1 -> {
                Http1Streams.install(ctx.pipeline(), ctx.name(), ingress, serverName, recorder(ctx).inner());
                ctx.fireChannelRead(frame);
                ctx.pipeline().remove(this);
            }
            case Http1Streams.H2c h2c -> toMachine(ctx, frame, h2c, headers.contains(TE, "trailers"));
        }
    }

    /**
     * RFC 9113 8.3.1, beyond netty's checks of the pseudo-header fields: a request other than
     * CONNECT (refused later, 405) has a {@code :scheme} of http or https, the only ones the
     * ingress serves, and a {@code :path} in origin form or {@code *}; an absolute URI there is no
     * HTTP/2 request target, and would route by an authority other than {@code :authority}.
     */
    private static boolean targetsHttp(Http2Headers headers) {
        if (headers.method() == null || HttpMethod.CONNECT.asciiName().contentEquals(headers.method())) {
            return true; // the conversion refuses a missing :method; CONNECT has no :scheme nor :path
        }
        CharSequence scheme = headers.scheme();
        CharSequence path = headers.path();
        return scheme != null && (AsciiString.contentEqualsIgnoreCase(scheme, "https") || AsciiString.contentEqualsIgnoreCase(scheme, "http"))
                && path != null && (path.length() > 0 && path.charAt(0) == '/' || AsciiString.contentEquals(path, "*"));
    }

    private void toMachine(ChannelHandlerContext ctx, Http2HeadersFrame frame, Http1Streams.H2c h2c, boolean teTrailers) {
        // The machine is reached without TLS; the client's scheme travels in the forwarding headers.
        h2c.request().headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        Http2Headers out = HttpConversionUtil.toHttp2Headers(h2c.request(), false);
        if (teTrailers) {
            out.set(TE, "trailers"); // gRPC's marker; TE is otherwise hop-by-hop
        }
        ctx.channel().config().setAutoRead(false);
        Http2StreamChannel clientStream = (Http2StreamChannel) ctx.channel();
        String via = "2 " + ingress.config().proxyName();
        upstreams.openStream(h2c.upstream(), new H2cRelay(clientStream, via)).addListener((Future<Http2StreamChannel> f) -> {
            if (!f.isSuccess()) {
                releasePending();
                recorder(ctx).inner().upstreamConnectFailed(h2c.route());
                if (ctx.channel().isActive()) {
                    answer(ctx, Http1Streams.error(ctx.alloc(), 502, "cannot reach machine " + h2c.machine() + " over h2c: "
                            + f.cause().getMessage(), h2c.machine(), h2c.upstream().getPort()));
                    ctx.channel().config().setAutoRead(true); // the rest of the request body: read, and dropped
                }
                return;
            }
            Http2StreamChannel machineStream = f.getNow();
            if (!ctx.channel().isActive()) { // the client gave up meanwhile
                releasePending();
                machineStream.close();
                return;
            }
            ctx.pipeline().addLast("h2c-relay", new H2cRelay(machineStream, null));
            recorder(ctx).forwarded(h2c.machine(), h2c.route());
            machineStream.write(new DefaultHttp2HeadersFrame(out, frame.isEndStream()));
            while (!pending.isEmpty()) { // to the next handler, the relay just added: a context's fire skips its own handler
                ctx.fireChannelRead(pending.poll());
            }
            machineStream.flush();
            ctx.pipeline().remove(this);
            ctx.channel().config().setAutoRead(true);
        });
    }

    private void answer(ChannelHandlerContext ctx, FullHttpResponse response) {
        answered = true;
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(response, false);
        ByteBuf body = response.content();
        if (body.isReadable()) {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
        } else {
            body.release();
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
        }
    }

    private static StreamRecorder recorder(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(StreamRecorder.class);
    }

    private void releasePending() {
        while (!pending.isEmpty()) {
            ReferenceCountUtil.release(pending.poll());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR)); // this stream only
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releasePending();
        super.channelInactive(ctx);
    }
}

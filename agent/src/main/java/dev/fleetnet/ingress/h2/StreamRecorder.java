package dev.fleetnet.ingress.h2;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import dev.fleetnet.ingress.http.IngressContext;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.Resolution;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.net.InetSocketAddress;

/**
 * Reports each client stream once to the {@link IngressObserver} when it ends, with
 * {@code httpVersion "h2"}: method, path, status (0 when none was sent, e.g. reset), bytes of
 * DATA each way. First in every stream's pipeline, so it sees the frames on the wire.
 */
final class StreamRecorder extends ChannelDuplexHandler {
    private final IngressObserver observer;
    private final IngressContext ingress;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private String method = "";
    private String path = "";
    private String hostname = "";
    private RouteLabel route = RouteLabel.NONE;
    private int status;
    private long bytesIn;
    private long bytesOut;

    StreamRecorder(IngressObserver observer, IngressContext ingress) {
        this.observer = observer;
        this.ingress = ingress;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame h && method.isEmpty()) {
            Http2Headers headers = h.headers();
            method = headers.method() == null ? "" : headers.method().toString();
            path = headers.path() == null ? "" : headers.path().toString();
            CharSequence authority = headers.authority() != null ? headers.authority() : headers.get("host");
            String host = authority == null ? null : Hostnames.fromHostHeader(authority.toString());
            hostname = host == null ? "" : host;
            if (host != null && ingress.routes().current().resolve(host, path) instanceof Resolution.Forward f && f.route() != null) {
                route = new RouteLabel(f.route().key(), "http", f.route().owner());
            }
        } else if (msg instanceof Http2DataFrame d) {
            bytesIn += d.content().readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Http2HeadersFrame h && status == 0 && h.headers().status() != null) {
            int code = Integer.parseInt(h.headers().status().toString());
            if (HttpStatusClass.valueOf(code) != HttpStatusClass.INFORMATIONAL) {
                status = code;
            }
        } else if (msg instanceof Http2DataFrame d) {
            bytesOut += d.content().readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
        observer.request(new IngressObserver.RequestRecord(startMillis, client, hostname, method, path, route, "", status,
                bytesIn, bytesOut, System.nanoTime() - startNanos, 0, "h2"));
        super.channelInactive(ctx);
    }
}

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
 * DATA each way, and, when a machine took it, which one, under which route label, and the time
 * from sending it the request to its response head. First in every stream's pipeline, so it sees
 * the frames on the wire; the handler that forwards the stream tells it the rest ({@link #forwarded}
 * for h2c relays, {@link #inner} as the observer of the HTTP/1.1 proxy). Event loop only.
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
    private String machine = "";
    private long forwardedNanos;
    private long upstreamNanos;

    StreamRecorder(IngressObserver observer, IngressContext ingress) {
        this.observer = observer;
        this.ingress = ingress;
    }

    /** The stream's request went to {@code machine} under {@code label} now (h2c relays). */
    void forwarded(String machine, RouteLabel label) {
        this.machine = machine;
        this.route = label;
        this.forwardedNanos = System.nanoTime();
    }

    /**
     * The observer for the HTTP/1.1 proxy that serves this stream: its request record gives the
     * machine, label and upstream time (the wire figures stay this recorder's); connect failures
     * go on to the real observer.
     */
    IngressObserver inner() {
        return new IngressObserver() {
            @Override
            public void request(RequestRecord record) {
                machine = record.machine();
                upstreamNanos = record.upstreamNanos();
                if (!record.route().equals(RouteLabel.NONE)) {
                    route = record.route();
                }
            }

            @Override
            public void upstreamConnectFailed(RouteLabel label) {
                observer.upstreamConnectFailed(label);
            }
        };
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
                route = RouteLabel.of(f.route());
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
                if (forwardedNanos != 0) {
                    upstreamNanos = System.nanoTime() - forwardedNanos;
                }
            }
        } else if (msg instanceof Http2DataFrame d) {
            bytesOut += d.content().readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
        observer.request(new IngressObserver.RequestRecord(startMillis, client, hostname, method, path, route, machine, status,
                bytesIn, bytesOut, System.nanoTime() - startNanos, upstreamNanos, "h2"));
        super.channelInactive(ctx);
    }
}

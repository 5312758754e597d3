package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver;

import dev.fleetnet.ingress.core.UpstreamConnector;
import dev.fleetnet.ingress.tls.ServerNameGuard;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the HTTP/2 front-end reuses of HTTP/1.1: the same admission (checks, routing, forwarding
 * headers, JSON errors, 421 on a Host that is not the TLS server name) for a stream's request
 * head, and the same proxy handler for a stream whose route's machine speaks HTTP/1.1.
 */
public final class Http1Streams {
    private Http1Streams() {}

    /** What to do with one HTTP/2 stream. */
    public sealed interface Decision {}

    /** The ingress answers itself (a JSON error, health, OPTIONS *). */
    public record Answer(FullHttpResponse response) implements Decision {}

    /** The route's machine speaks HTTP/1.1: hand the stream to {@link #install}. */
    public record Http1() implements Decision {}

    /** The route's machine speaks h2c: send {@code request} (rewritten for it) to {@code upstream}. */
    public record H2c(InetSocketAddress upstream, String machine, IngressObserver.RouteLabel route, HttpRequest request)
            implements Decision {}

    /**
     * Admits one stream's request head, converted to HTTP/1.1 form; {@code serverName} is the TLS
     * connection's SNI. {@code request} is rewritten for the machine when admitted.
     */
    public static Decision decide(HttpRequest request, IngressContext ingress, InetSocketAddress client, String serverName,
            ByteBufAllocator alloc) {
        stripExtensionHeaders(request);
        ServerNameGuard.mark(request, serverName);
        return switch (Admission.decide(request, ingress, Admission.client(ingress, client), null, alloc)) {
            case Admission.Answer answer -> new Answer(answer.response());
            case Admission.TakeOver takeOver -> new Answer(ErrorResponses.error(alloc, 400,
                    "a WebSocket over HTTP/2 is not offered here (expected: HTTP/1.1 for the upgrade)", null, null));
            case Admission.Admit admit when admit.h2c() -> {
                admit.forwarding().addTo(request.headers());
                yield new H2c(new InetSocketAddress(admit.target().address(), admit.port()), admit.target().name(), admit.route(),
                        request);
            }
            case Admission.Admit admit -> new Http1();
        };
    }

    /**
     * Adds, after {@code after} in a stream's pipeline, the HTTP/1.1 proxy behind a frame-to-object
     * codec: the stream is proxied exactly as an HTTP/1.1 request over the upstream pools, with
     * the child channel's flow control as backpressure; the proxy reports to {@code observer}
     * (the stream's recorder, which reports the stream).
     */
    public static void install(ChannelPipeline stream, String after, IngressContext ingress, String serverName,
            IngressObserver observer) {
        IngressConfig config = ingress.config();
        stream.addAfter(after, "h2-to-http", new Http2StreamFrameToHttpObjectCodec(true))
                .addAfter("h2-to-http", "split-full", new SplitFullRequest())
                .addAfter("split-full", HttpIngressInitializer.HEADER_TIMEOUT, new HeaderReadTimeoutHandler(config.headerReadTimeout()))
                .addAfter(HttpIngressInitializer.HEADER_TIMEOUT, "server-name-guard", new ServerNameGuard(serverName))
                .addAfter("server-name-guard", "proxy", new HttpProxyHandler(ingress.withObserver(observer)));
    }

    /** netty's conversion adds {@code x-http2-*} fields (stream id, scheme); they are not the client's and never forwarded. */
    private static void stripExtensionHeaders(HttpRequest request) {
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            request.headers().remove(name.text());
        }
    }

    /** A JSON error as the HTTP/1.1 ingress answers it. */
    public static FullHttpResponse error(ByteBufAllocator alloc, int status, String error, String machine, Integer port) {
        return ErrorResponses.error(alloc, status, error, machine, port);
    }

    /** The connector that tracks upstream connections by machine, for the h2c upstreams. */
    public static UpstreamConnector connector(IngressContext ingress) {
        return ingress.pools().connector();
    }

    /**
     * A stream with END_STREAM on its headers decodes as one full request; the proxy expects a
     * head and then a last content, as HTTP/1.1 decodes it. Drops the conversion's own fields.
     */
    private static final class SplitFullRequest extends MessageToMessageDecoder<HttpObject> {
        @Override
        protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) {
            if (msg instanceof FullHttpRequest full) {
                stripExtensionHeaders(full);
                out.add(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
                out.add(new DefaultLastHttpContent(full.content().retain(), full.trailingHeaders()));
            } else {
                if (msg instanceof HttpRequest request) {
                    stripExtensionHeaders(request);
                }
                io.netty.util.ReferenceCountUtil.retain(msg);
                out.add(msg);
            }
        }
    }
}

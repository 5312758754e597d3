package dev.fleetnet.ingress.h2;

import dev.fleetnet.ingress.core.H2cConnections;
import dev.fleetnet.ingress.http.Http1Streams;
import dev.fleetnet.ingress.http.IngressContext;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The HTTP/2 front-end of one TLS client connection (ALPN {@code h2}): netty's frame codec with
 * the edge limits set explicitly, and one child channel per stream, each admitted like an
 * HTTP/1.1 request and sent either to the machine's HTTP/1.1 pool or, for an h2c route, over
 * HTTP/2 to the machine. Threading: the connection, its streams and its upstreams share one loop.
 */
public final class Http2Front {
    private Http2Front() {}

    /** Adds the HTTP/2 handlers to the end of a handshaken TLS connection's {@code pipeline}. */
    public static void configure(ChannelPipeline pipeline, IngressContext ingress, H2Options options, String serverName) {
        int maxHeaderList = ingress.config().maxHeaderBytes();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(options.maxConcurrentStreams())
                .maxHeaderListSize(maxHeaderList);
        H2cConnections upstreams = new H2cConnections(pipeline.channel(), Http1Streams.connector(ingress), ingress.config().maxHeaderBytes());
        pipeline.addLast("h2-codec", Http2FrameCodecBuilder.forServer()
                        .initialSettings(settings)
                        .validateHeaders(true)
                        // Rapid reset (CVE-2023-44487): too many RST_STREAM in a window is a GOAWAY.
                        .decoderEnforceMaxRstFramesPerWindow(options.maxRstFramesPerWindow(), options.rstWindowSeconds())
                        // CONTINUATION flood (CVE-2024-27316 family): header blocks are bounded by the header
                        // list size above, and a run of tiny CONTINUATION frames is a GOAWAY.
                        .decoderEnforceMaxSmallContinuationFrames(options.maxSmallContinuationFrames())
                        .decoderEnforceMaxConsecutiveEmptyDataFrames(options.maxConsecutiveEmptyDataFrames())
                        .encoderEnforceMaxQueuedControlFrames(10_000)
                        .gracefulShutdownTimeoutMillis(ingress.config().upstreamResponseTimeout().toMillis())
                        .build())
                // MadeYouReset (CVE-2025-8671): resets the client provokes count as its own do.
                .addLast("h2-stream-errors", new StreamErrorLimitHandler(options.maxRstFramesPerWindow(), options.rstWindowSeconds()))
                .addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast("h2-record", new StreamRecorder(options.observer(), ingress))
                                .addLast("h2-front", new StreamFront(ingress, serverName, upstreams));
                    }
                }))
                .addLast("h2-idle", new IdleClose());
    }

    /** The connection's idle timeout: GOAWAY, then the close once open streams end. */
    private static final class IdleClose extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // netty's decoder limits (RST_STREAM flood, CONTINUATION flood) end here: GOAWAY with their code.
            Http2Error error = cause instanceof Http2Exception e ? e.error() : Http2Error.INTERNAL_ERROR;
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(error)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

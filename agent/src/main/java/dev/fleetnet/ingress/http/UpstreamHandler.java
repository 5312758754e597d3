package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ReusableBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/** Hands an upstream connection's events to the client connection currently using it. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** The reader of a pooled HTTP/1.1 connection's responses; null on an h2c stream (netty's HTTP objects). */
    private final ResponseReader reader;
    private HttpProxyHandler owner; // only touched on the channel's event loop
    /** The request encoder's context: a request head written as bytes goes from there, around the encoder. */
    private ChannelHandlerContext encoder;

    UpstreamHandler(ResponseReader reader) {
        this.reader = reader;
    }

    /**
     * {@code owner}'s exchange uses the connection now. Its response answers a HEAD request
     * ({@code headRequest}: no body) and its client takes a chunked body's data alone ({@code dechunk}).
     */
    void bind(HttpProxyHandler owner, boolean headRequest, boolean dechunk) {
        this.owner = owner;
        if (reader != null) {
            reader.expect(headRequest, dechunk);
        }
    }

    void unbind() {
        this.owner = null;
    }

    /**
     * The connection may carry another exchange as far as its bytes tell: false once a response
     * ended with more bytes behind it ({@link ResponseReader#spent()}), which must not be read as
     * anyone's response.
     */
    boolean reusable() {
        return reader == null || !reader.spent();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        encoder = ctx.pipeline().context(UpstreamPools.ENCODER);
    }

    /**
     * The handler of a pooled HTTP/1.1 connection: its pipeline's last ({@link UpstreamPools}
     * adds it last), found without a search through the pipeline.
     */
    static UpstreamHandler of(Channel upstream) {
        return upstream.pipeline().last() instanceof UpstreamHandler handler ? handler : upstream.pipeline().get(UpstreamHandler.class);
    }

    /**
     * Writes {@code ex}'s request head to the machine (not flushed): as bytes around the encoder when
     * the exchange carries its forwarding fields apart (a request without a body, on a pooled HTTP/1.1
     * connection), else as netty's request, whole when it has no body ({@link Exchange#sentWhole}).
     */
    void sendHead(Exchange ex) {
        Channel upstream = ex.upstream;
        if (ex.forwarding != null) {
            ByteBuf head = ReusableBuffer.WRITES.take(encoder.alloc(), 512);
            RequestHead.write(ex.request, ex.forwarding, head);
            encoder.write(head, encoder.voidPromise());
        } else {
            HttpRequest request = ex.request;
            upstream.write(ex.sentWhole ? new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                    Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE) : request, upstream.voidPromise());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (owner == null) {
            // An idle keep-alive connection must not speak: it is broken, drop it.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        owner.onUpstreamMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.ReusableBuffer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        encoder = ctx.pipeline().context(UpstreamPools.ENCODER);
    }

    /**
     * The handler of a pooled HTTP/1.1 connection: its pipeline's last ({@link UpstreamPools}
     * adds it last), found without a search through the pipeline.
     */
    static UpstreamHandler of(io.netty.channel.Channel upstream) {
        return upstream.pipeline().last() instanceof UpstreamHandler handler ? handler : upstream.pipeline().get(UpstreamHandler.class);
    }

    /** An empty buffer for a request head, to write with {@link #writeAroundEncoder}. */
    io.netty.buffer.ByteBuf headBuffer() {
        return ReusableBuffer.WRITES.take(encoder.alloc(), 512);
    }

    /** Writes a request head made as bytes (not flushed); only on a pooled HTTP/1.1 connection. */
    void writeAroundEncoder(io.netty.buffer.ByteBuf head) {
        encoder.write(head, encoder.voidPromise());
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

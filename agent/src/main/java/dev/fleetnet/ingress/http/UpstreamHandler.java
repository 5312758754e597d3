package dev.fleetnet.ingress.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** Hands an upstream connection's events to the client connection currently using it. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private HttpProxyHandler owner; // only touched on the channel's event loop

    void bind(HttpProxyHandler owner) {
        this.owner = owner;
    }

    void unbind() {
        this.owner = null;
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

package dev.fleetnet.ingress.core;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Copies what one channel reads to its peer, reading only while the peer can take more:
 * backpressure without buffering, in the manner of netty's proxy example. When either side
 * closes, the other is flushed and closed. Every protocol front-end ends in a relay once it
 * knows where the bytes go (a WebSocket after its upgrade; raw TCP and TLS passthrough from
 * the first byte).
 */
public final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    private Relay(Channel peer) {
        this.peer = peer;
    }

    /**
     * Adds a relay to the end of both pipelines. Both channels must share an event loop, and
     * whatever handlers still decode a protocol must be removed by the caller first.
     */
    public static void splice(Channel a, Channel b) {
        a.pipeline().addLast("relay", new Relay(b));
        b.pipeline().addLast("relay", new Relay(a));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg);
        if (!peer.isWritable()) {
            peer.flush();
            if (!peer.isWritable()) { // flush() may have drained it already
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // a peer whose input is shut down has nothing left to read (and asking it to would close it)
        if (ctx.channel().isWritable() && !(peer instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // this side finished sending (half-closure allowed): pass the FIN on once what it sent is
            // out, and close both when neither side has more to send
            Channel self = ctx.channel();
            if (!(peer instanceof DuplexChannel duplex)) {
                peer.close();
                self.close();
            } else if (duplex.isOutputShutdown()) { // already passed on (a FIN seen before the relay began)
                closeIfBothFinished(self, peer);
            } else {
                // the FIN goes after everything written before it: shutting the output down drops unwritten data
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        duplex.shutdownOutput().addListener(done -> closeIfBothFinished(self, peer));
                    } else {
                        peer.close();
                        self.close();
                    }
                });
            }
            return;
        }
        if (evt instanceof IdleStateEvent) { // nothing either way within the relay's idle limit
            peer.close();
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static void closeIfBothFinished(Channel a, Channel b) {
        boolean aDone = !(a instanceof DuplexChannel da) || da.isInputShutdown();
        boolean bDone = !(b instanceof DuplexChannel db) || db.isInputShutdown();
        if (aDone && bDone) {
            a.close();
            b.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

package dev.fleetnet.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the framed queries of one TCP connection, several per connection. Local answers go
 * out in order; forwarded ones when the upstream answers (RFC 7766 allows any order, ids match
 * them up). Reading pauses while too many forwards are in flight. Input that is not a query
 * (too short, a response), an oversized frame, or an idle connection closes the connection.
 * State: {@code pending} is touched only on this channel's event loop.
 */
final class DnsTcpHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(DnsTcpHandler.class);
    private final DnsContext dns;
    private int pending;

    DnsTcpHandler(DnsContext dns) {
        this.dns = dns;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        byte[] wire = ByteBufUtil.getBytes(frame);
        InetAddress source = ctx.channel().remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
        switch (DnsResponder.respond(dns.zone().get(), wire, source, true)) {
            case DnsResponder.Reply reply -> ctx.write(Unpooled.wrappedBuffer(reply.wire()));
            case DnsResponder.Forward forward -> {
                if (++pending >= dns.limits().maxPendingPerConnection()) {
                    ctx.channel().config().setAutoRead(false);
                }
                dns.forwarder().forward(forward.query(), forward.wire(), true, forward.limit(), ctx.channel().eventLoop())
                        .addListener(f -> {
                            pending--;
                            ctx.channel().config().setAutoRead(true);
                            if (f.isSuccess() && ctx.channel().isActive()) {
                                ctx.writeAndFlush(Unpooled.wrappedBuffer((byte[]) f.getNow()));
                            }
                        });
            }
            case DnsResponder.Drop drop -> ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A too-long frame or a reset: this connection only.
        log.debug("DNS over TCP from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

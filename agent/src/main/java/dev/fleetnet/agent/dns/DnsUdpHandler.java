package dev.fleetnet.agent.dns;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers DNS over UDP: one datagram, one query. Replies to a batch of reads are flushed once.
 * The channel serves every client, so nothing a client sends may close it.
 */
@ChannelHandler.Sharable
final class DnsUdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(DnsUdpHandler.class);
    private final DnsContext dns;

    DnsUdpHandler(DnsContext dns) {
        this.dns = dns;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress sender = packet.sender();
        byte[] wire = ByteBufUtil.getBytes(packet.content());
        switch (DnsResponder.respond(dns.zone().get(), wire, sender.getAddress(), false)) {
            case DnsResponder.Reply reply -> ctx.write(new DatagramPacket(Unpooled.wrappedBuffer(reply.wire()), sender));
            case DnsResponder.Forward forward -> dns.forwarder()
                    .forward(forward.query(), forward.wire(), false, forward.limit(), ctx.channel().eventLoop())
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer((byte[]) f.getNow()), sender));
                        }
                    });
            case DnsResponder.Drop drop -> { }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // E.g. a reply to a client that has gone (ICMP unreachable): that client's problem only.
        log.debug("DNS over UDP on {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}

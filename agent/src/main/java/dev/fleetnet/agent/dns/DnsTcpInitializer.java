package dev.fleetnet.agent.dns;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of one DNS-over-TCP connection (RFC 7766): idle timeout, 2-byte length framing
 * with a bounded frame size, then {@link DnsTcpHandler}. Connections past the limit are closed.
 */
final class DnsTcpInitializer extends ChannelInitializer<Channel> {
    private final DnsContext dns;

    DnsTcpInitializer(DnsContext dns) {
        this.dns = dns;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (dns.tcpConnections().size() >= dns.limits().maxTcpConnections()) {
            ch.close();
            return;
        }
        dns.tcpConnections().add(ch);
        DnsLimits limits = dns.limits();
        ch.pipeline().addLast(
                new IdleStateHandler(0, 0, limits.tcpIdleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                new LengthFieldBasedFrameDecoder(limits.maxTcpQueryBytes() + 2, 0, 2, 0, 2),
                new LengthFieldPrepender(2),
                new DnsTcpHandler(dns));
    }
}

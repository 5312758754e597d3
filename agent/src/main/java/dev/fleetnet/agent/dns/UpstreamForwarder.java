package dev.fleetnet.agent.dns;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;

/**
 * Forwards a query for another zone to the upstream resolvers, each in turn with a short
 * timeout, and completes with the response under the client's query id (SERVFAIL when none
 * answered; the future never fails). Each upstream query gets a fresh random id. TCP is used
 * when the client used TCP, or when an upstream's UDP answer is truncated.
 */
final class UpstreamForwarder {
    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);

    private final List<InetSocketAddress> upstreams;
    private final DnsChannels channels;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom(); // thread-safe; ids must not be guessable

    UpstreamForwarder(List<InetSocketAddress> upstreams, DnsChannels channels, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.channels = channels;
        this.timeout = timeout;
    }

    /** Forwards {@code query} (whose bytes are {@code wire}); the answer fits in {@code limit} bytes. */
    Future<byte[]> forward(Message query, byte[] wire, boolean tcp, int limit, EventLoop loop) {
        Promise<byte[]> result = loop.newPromise();
        attempt(0, tcp, new Pending(query, wire, tcp, limit, loop, result));
        return result;
    }

    private record Pending(Message query, byte[] wire, boolean clientTcp, int limit, EventLoop loop, Promise<byte[]> result) {}

    private void attempt(int index, boolean tcp, Pending p) {
        if (index == upstreams.size()) {
            p.result().trySuccess(Responses.servfail(p.query(), p.limit()));
            return;
        }
        InetSocketAddress upstream = upstreams.get(index);
        byte[] out = Responses.withId(p.wire(), random.nextInt(0x10000));
        UpstreamExchange.send(channels, p.loop(), upstream, out, p.query().getQuestion(), tcp, timeout).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("upstream {} ({}): {}; trying the next", upstream, tcp ? "tcp" : "udp", f.cause().toString());
                attempt(index + 1, p.clientTcp(), p);
                return;
            }
            byte[] response = (byte[]) f.getNow();
            if (!tcp && Responses.truncated(response)) {
                attempt(index, true, p); // the whole answer, over TCP, from the same upstream
                return;
            }
            int clientId = p.query().getHeader().getID();
            p.result().trySuccess(Responses.fit(Responses.withId(response, clientId), p.query(), p.limit()));
        });
    }
}

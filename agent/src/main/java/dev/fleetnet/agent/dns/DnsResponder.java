package dev.fleetnet.agent.dns;

import java.io.IOException;
import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * Turns the bytes of one query into what to do with it — a reply, a forward, or nothing —
 * without I/O, so both transports share it and tests drive it with plain byte arrays.
 *
 * <p>Malformed input never throws: fewer than 12 bytes, or a response (QR set), is dropped
 * (answering responses invites loops between servers; BIND, Unbound and dnsmasq drop them too);
 * an opcode other than QUERY gets NOTIMP; QDCOUNT other than 1, or a body that does not parse,
 * gets FORMERR; EDNS versions other than 0 get BADVERS (RFC 6891).
 */
final class DnsResponder {
    private static final Logger log = LoggerFactory.getLogger(DnsResponder.class);

    private DnsResponder() {}

    /** What to do with one query. */
    sealed interface Action {}

    /** Send these bytes back. */
    record Reply(byte[] wire) implements Action {}

    /** Ask the upstreams; {@code limit} is the most the client takes. */
    record Forward(Message query, byte[] wire, int limit) implements Action {}

    /** Send nothing. */
    record Drop() implements Action {}

    static final Drop DROP = new Drop();

    /** Decides for {@code wire} from {@code source} over UDP ({@code tcp} false) or TCP. */
    static Action respond(InternalZone zone, byte[] wire, InetAddress source, boolean tcp) {
        if (wire.length < Responses.HEADER_LENGTH || (wire[2] & 0x80) != 0) {
            return DROP;
        }
        int opcode = (wire[2] >>> 3) & 0x0f;
        if (opcode != Opcode.QUERY) {
            return new Reply(Responses.headerOnly(wire, Rcode.NOTIMP));
        }
        int questions = ((wire[4] & 0xff) << 8) | (wire[5] & 0xff);
        if (questions != 1) {
            return new Reply(Responses.headerOnly(wire, Rcode.FORMERR));
        }
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException malformed) {
            return new Reply(Responses.headerOnly(wire, Rcode.FORMERR));
        }
        if (query.getQuestion() == null) {
            // dnsjava forgives a body cut short when TC is set: a query must still have its question.
            return new Reply(Responses.headerOnly(wire, Rcode.FORMERR));
        }
        int limit = tcp ? Responses.TCP_LIMIT : Responses.udpLimit(query);
        try {
            OPTRecord opt = query.getOPT();
            if (opt != null && opt.getVersion() != 0) {
                Message response = Responses.start(query, Rcode.NOERROR, zone.forwarding());
                // BADVERS (16) lives in the OPT's extended rcode: 16 >>> 4 = 1, header rcode 0.
                response.addRecord(new OPTRecord(Responses.MAX_UDP_PAYLOAD, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
                return new Reply(Responses.encode(response, query, limit));
            }
            return switch (zone.answer(query, source)) {
                case ZoneAnswer.Reply reply -> new Reply(Responses.encode(reply.message(), query, limit));
                case ZoneAnswer.Forward forward -> new Forward(query, wire, limit);
            };
        } catch (RuntimeException bug) {
            // Nothing above should throw; if it does, the client still hears back and the channel lives.
            log.warn("DNS query {} from {}: {}", query.getQuestion(), source, bug.toString(), bug);
            return new Reply(Responses.encode(Responses.start(query, Rcode.SERVFAIL, zone.forwarding()), query, limit));
        }
    }
}

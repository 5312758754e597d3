package dev.fleetnet.agent.dns;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** DNS wire helpers shared by the zone, the responder and the forwarder: headers, sizes, truncation. */
final class Responses {
    static final int HEADER_LENGTH = 12;
    /** A UDP answer without EDNS0 (RFC 1035). */
    static final int CLASSIC_UDP_LIMIT = 512;
    /** The largest UDP answer sent whatever the client offers: no IPv6 fragmentation (DNS flag day 2020). */
    static final int MAX_UDP_PAYLOAD = 1232;
    /** A TCP message is framed by a 2-byte length. */
    static final int TCP_LIMIT = 65535;

    private static final int QR = 0x80;
    private static final int TC = 0x02;
    private static final int RD = 0x01;

    private Responses() {}

    /** A response to {@code query} with its id, opcode, RD/CD and question, and {@code rcode}. */
    static Message start(Message query, int rcode, boolean recursionAvailable) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        if (query.getHeader().getFlag(Flags.CD)) {
            response.getHeader().setFlag(Flags.CD);
        }
        if (recursionAvailable) {
            response.getHeader().setFlag(Flags.RA);
        }
        response.getHeader().setRcode(rcode);
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    /** The largest answer a UDP client takes: 512, or its EDNS0 payload size (at most {@value #MAX_UDP_PAYLOAD}). */
    static int udpLimit(Message query) {
        OPTRecord opt = query.getOPT();
        return opt == null ? CLASSIC_UDP_LIMIT : Math.clamp(opt.getPayloadSize(), CLASSIC_UDP_LIMIT, MAX_UDP_PAYLOAD);
    }

    /**
     * The wire form of {@code response} in at most {@code limit} bytes (whole RRsets dropped and TC
     * set when it does not fit), with an OPT record when the query had one (RFC 6891).
     */
    static byte[] encode(Message response, Message query, int limit) {
        if (query.getOPT() != null && response.getOPT() == null) {
            response.addRecord(new OPTRecord(MAX_UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return response.toWire(limit);
    }

    /** SERVFAIL for {@code query}: no upstream answered. */
    static byte[] servfail(Message query, int limit) {
        return encode(start(query, Rcode.SERVFAIL, true), query, limit);
    }

    /**
     * A bare header answering a query that could not be parsed past its header: the query's id,
     * opcode and RD, QR set, no sections, {@code rcode} (FORMERR, NOTIMP).
     */
    static byte[] headerOnly(byte[] query, int rcode) {
        byte[] out = new byte[HEADER_LENGTH];
        out[0] = query[0];
        out[1] = query[1];
        out[2] = (byte) (QR | (query[2] & 0x78) | (query[2] & RD)); // opcode bits kept
        out[3] = (byte) (rcode & 0x0f);
        return out;
    }

    static int id(byte[] wire) {
        return ((wire[0] & 0xff) << 8) | (wire[1] & 0xff);
    }

    static byte[] withId(byte[] wire, int id) {
        byte[] copy = wire.clone();
        copy[0] = (byte) (id >>> 8);
        copy[1] = (byte) id;
        return copy;
    }

    static boolean truncated(byte[] wire) {
        return wire.length >= HEADER_LENGTH && (wire[2] & TC) != 0;
    }

    /**
     * {@code response} (an upstream's, already carrying the client's id) as it may go to a client
     * taking at most {@code limit} bytes: unchanged if it fits, else its header with TC set, the
     * question and an OPT when the query had one — so the client retries over TCP.
     */
    static byte[] fit(byte[] response, Message query, int limit) {
        if (response.length <= limit) {
            return response;
        }
        byte[] question = query.getQuestion().toWire(Section.QUESTION);
        byte[] opt = query.getOPT() == null ? new byte[0] : new OPTRecord(MAX_UDP_PAYLOAD, 0, 0).toWire(Section.ADDITIONAL);
        ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + question.length + opt.length);
        out.put(response, 0, 2);
        out.put((byte) (response[2] | TC));
        out.put(response[3]);
        out.putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) (opt.length == 0 ? 0 : 1));
        out.put(question).put(opt);
        return out.array();
    }

    /**
     * True if {@code wire} is a response with {@code id} to {@code question} (RFC 5452 9.1: id,
     * name, type and class), so a stray or spoofed datagram is ignored.
     */
    static boolean answers(byte[] wire, int id, Record question) {
        if (wire.length < HEADER_LENGTH || id(wire) != id || (wire[2] & QR) == 0) {
            return false;
        }
        try {
            Record got = new Message(wire).getQuestion();
            return got != null && got.getName().equals(question.getName())
                    && got.getType() == question.getType() && got.getDClass() == question.getDClass();
        } catch (IOException | RuntimeException malformed) {
            return false;
        }
    }
}

package dev.fleetnet.agent.dns;

import org.xbill.DNS.Message;

/** What {@link InternalZone} decided for one query: a reply to send, or "ask the upstreams". */
public sealed interface ZoneAnswer {
    /** The one forward decision (it carries nothing). */
    Forward FORWARD = new Forward();

    /** A response to send back (without OPT: the transport adds it with its size limit). */
    record Reply(Message message) implements ZoneAnswer {}

    /** The name is outside {@code internal.} and upstream resolvers are configured. */
    record Forward() implements ZoneAnswer {}
}

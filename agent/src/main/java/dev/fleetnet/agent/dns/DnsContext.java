package dev.fleetnet.agent.dns;

import io.netty.channel.group.ChannelGroup;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every DNS channel shares: the current zone (swapped whole by the one writer, read by
 * every event loop), the forwarder, the limits, and the open TCP connections.
 */
record DnsContext(AtomicReference<InternalZone> zone, UpstreamForwarder forwarder, DnsLimits limits,
        ChannelGroup tcpConnections) {}

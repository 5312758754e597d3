package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.H2cConnections;
import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * Where one client connection's exchanges get their upstream connections: the pooled HTTP/1.1
 * connections of its event loop, or its own HTTP/2 streams to h2c machines; and the socket address
 * of the machine it went to last, kept, as a keep-alive connection mostly goes on to the same
 * machine. Threading: the client's loop.
 */
final class ConnectionUpstreams {
    private final IngressContext ingress;
    private final Channel client;
    private UpstreamPool pool;
    private H2cStreams h2cStreams;
    /** The last upstream address, made from a machine's address literal (its host string). */
    private InetSocketAddress last;
    /** The machine address {@link #last} was made from (its host string would be formatted again on each call). */
    private String lastHost;

    ConnectionUpstreams(IngressContext ingress, Channel client) {
        this.ingress = ingress;
        this.client = client;
    }

    /** The h2c streams of this connection ({@code h2c}), made on the first request that needs one, else the loop's pool. */
    UpstreamSource source(boolean h2c) {
        if (h2c) {
            if (h2cStreams == null) {
                h2cStreams = new H2cStreams(client, new H2cConnections(client, ingress.pools().connector(), ingress.config().maxHeaderBytes()));
            }
            return h2cStreams;
        }
        if (pool == null) {
            pool = ingress.pools().on(client.eventLoop());
        }
        return pool;
    }

    /** The socket address of {@code machine}'s {@code port} (a literal address: parsed, never looked up). */
    InetSocketAddress address(MachineEntry machine, int port) {
        InetSocketAddress address = last;
        if (address == null || address.getPort() != port || !machine.address().equals(lastHost)) {
            address = new InetSocketAddress(machine.address(), port);
            last = address;
            lastHost = machine.address();
        }
        return address;
    }
}

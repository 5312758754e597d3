package dev.fleetnet.controller;

import dev.fleetnet.netns.NamespaceRunner;
import dev.fleetnet.netns.NetworkingException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Server channels whose listening socket lives in another network namespace: the channel
 * (and so its socket) is constructed on a thread that entered that namespace. Accepted
 * connections belong to the listening socket's namespace, whichever thread serves them.
 */
final class NamespacedServerChannels implements ChannelFactory<ServerChannel> {
    private final NamespaceRunner runner;
    private final String namespace;

    NamespacedServerChannels(NamespaceRunner runner, String namespace) {
        this.runner = runner;
        this.namespace = namespace;
    }

    @Override
    public ServerChannel newChannel() {
        try {
            return runner.call(namespace, NioServerSocketChannel::new);
        } catch (NetworkingException e) {
            throw e;
        } catch (Exception e) {
            throw new NetworkingException("cannot open a listening socket in namespace " + namespace + ": " + e, e);
        }
    }
}

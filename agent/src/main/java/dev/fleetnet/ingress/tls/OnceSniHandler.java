package dev.fleetnet.ingress.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * A server-name handler that acts on a connection's ClientHello once, while the connection is
 * open. netty's decoder decodes what the handler still holds once more as the input closes; by
 * then the routes or certificates may have changed, and acting on that would serve a client that
 * is gone (a relay connected for nobody, an engine made for a closed channel, the held bytes handed
 * to a handler that was already released). A subclass that answers and stays in the pipeline (an
 * alert, then the close) is not asked again; one that decides otherwise removes itself.
 */
public abstract class OnceSniHandler<T> extends AbstractSniHandler<T> {
    private boolean decided;

    protected OnceSniHandler(long handshakeTimeoutMillis) {
        super(handshakeTimeoutMillis);
    }

    @Override
    protected final void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<T> future) throws Exception {
        if (decided || !ctx.channel().isActive()) {
            return; // the decoder releases what it holds when the closed pipeline removes it
        }
        decided = true;
        decide(ctx, hostname, future);
    }

    /** What to do with the connection, given the lookup for {@code hostname} (null: no server name). */
    protected abstract void decide(ChannelHandlerContext ctx, String hostname, Future<T> future) throws Exception;
}

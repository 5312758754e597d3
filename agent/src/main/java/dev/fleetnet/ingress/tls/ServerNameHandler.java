package dev.fleetnet.ingress.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a TLS connection: reads the ClientHello's server name, picks its context
 * from the current {@link CertificateStore} and puts an {@link SslHandler} in its place. An
 * unknown or missing name gets the fatal alert {@code unrecognized_name} (112) and the close.
 * The handshake timeout runs from the connection's start, so a silent client is closed too.
 */
public final class ServerNameHandler extends OnceSniHandler<SslContext> {
    private static final Logger log = LoggerFactory.getLogger(ServerNameHandler.class);
    /**
     * A plaintext TLS alert record (RFC 8446 6, RFC 5246 7.2): type 21, version 3.3, length 2,
     * fatal, unrecognized_name. Sent before any handshake message, so it needs no keys.
     */
    private static final byte[] UNRECOGNIZED_NAME_ALERT = {21, 3, 3, 0, 2, 2, 112};
    public static final String NAME = "tls";

    private final CertificateStore store;
    private final long timeoutMillis;
    /**
     * Our own ClientHello timer instead of netty's, which only a completed lookup cancels: a
     * handler removed before its lookup (a TLS passthrough relay took the connection) must not
     * close the connection later. Event loop only.
     */
    private ScheduledFuture<?> timeout;

    public ServerNameHandler(CertificateStore store, Duration handshakeTimeout) {
        super(0L);
        this.store = store;
        this.timeoutMillis = handshakeTimeout.toMillis();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            startTimeout(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startTimeout(ctx);
        super.channelActive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelTimeout();
        super.handlerRemoved0(ctx);
    }

    private void startTimeout(ChannelHandlerContext ctx) {
        if (timeoutMillis <= 0 || timeout != null) {
            return;
        }
        timeout = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                ctx.fireUserEventTriggered(new SniCompletionEvent(
                        new SslHandshakeTimeoutException("handshake timed out after " + timeoutMillis + "ms")));
                ctx.close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        // The snapshot read here is the one this connection keeps, whatever swaps follow.
        return ctx.executor().newSucceededFuture(hostname == null ? null : store.current().sslContext(hostname));
    }

    @Override
    protected void decide(ChannelHandlerContext ctx, String hostname, Future<SslContext> future) {
        cancelTimeout();
        SslContext context = future.isSuccess() ? future.getNow() : null;
        if (context == null) {
            log.debug("tls: {} from {}: no certificate, closing with unrecognized_name",
                    hostname == null ? "no server name" : "server name '" + hostname + "'", ctx.channel().remoteAddress());
            ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME_ALERT)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        SslHandler ssl = context.newHandler(ctx.alloc());
        ssl.setHandshakeTimeoutMillis(timeoutMillis);
        ctx.pipeline().replace(this, NAME, ssl);
    }
}

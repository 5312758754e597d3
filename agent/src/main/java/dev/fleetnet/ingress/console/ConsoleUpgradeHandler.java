package dev.fleetnet.ingress.console;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a console connection from its upgrade request to a running session: spends the link's
 * token (the first upgrade spends it, whatever follows), completes the WebSocket handshake, then
 * either hands the connection to a {@link ConsoleSessionHandler} on the token's machine or writes why
 * not to the terminal and closes. Nothing is read from the browser meanwhile. Event loop only.
 */
final class ConsoleUpgradeHandler extends ChannelInboundHandlerAdapter {
    static final Logger log = LoggerFactory.getLogger("dev.fleetnet.console.sessions");
    /** Pasted text arrives as one message; larger ones are refused by the decoder. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    private final WebConsole console;
    private final ConsoleRequests.Upgrade upgrade;
    private final String authority;
    private HttpRequest request;
    private boolean started;

    ConsoleUpgradeHandler(WebConsole console, ConsoleRequests.Upgrade upgrade, String authority) {
        this.console = console;
        this.upgrade = upgrade;
        this.authority = authority;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (started) { // nothing may come before our 101
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest head) {
            request = head;
        }
        if (msg instanceof LastHttpContent) {
            started = true;
            ReferenceCountUtil.release(msg);
            spend(ctx);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void spend(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        long timeout = console.config().spendTimeout().toMillis();
        console.links().spend(upgrade.token()).orTimeout(timeout, TimeUnit.MILLISECONDS)
                .whenComplete((machine, error) -> ctx.executor().execute(() -> spent(ctx, machine, error)));
    }

    private void spent(ChannelHandlerContext ctx, String machine, Throwable error) {
        if (!ctx.channel().isActive()) {
            return; // the browser left meanwhile; a spent token stays spent
        }
        WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory("wss://" + authority
                + ConsoleRequests.SESSION_PATH, ConsoleRequests.PROTOCOL, false, MAX_MESSAGE_BYTES);
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
        WebSocketServerHandshaker handshaker = factory.newHandshaker(full);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        handshaker.handshake(ctx.channel(), full).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            String client = String.valueOf(ctx.channel().remoteAddress());
            if (error != null) {
                String message = refusal(error);
                log.info("console refused from {}: {}", client, message);
                ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(ConsoleFrames.terminalLine(message))));
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, ConsoleFrames.closeReason(message)))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ConsoleSessionHandler session = new ConsoleSessionHandler(console, machine, client);
            long idle = console.config().idleTimeout().toMillis();
            ctx.pipeline().addBefore(ctx.name(), "console-idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS))
                    .addBefore(ctx.name(), "console-messages", new WebSocketFrameAggregator(MAX_MESSAGE_BYTES))
                    .replace(this, "console-session", session);
            session.open(upgrade.columns(), upgrade.rows());
            ctx.channel().config().setAutoRead(true);
        });
    }

    /** Why the link opened nothing, for the terminal. */
    private String refusal(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ConsoleLinks.Refused refused) {
            return refused.getMessage();
        }
        if (cause instanceof TimeoutException) {
            return "fleetnet: the controller did not answer within " + console.config().spendTimeout().toSeconds()
                    + " s; the link may be spent (expected: a fresh link from `fleetnet machine console MACHINE`)";
        }
        return "fleetnet: the console link could not be checked (" + cause.getMessage() + ")";
    }
}

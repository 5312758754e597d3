package dev.fleetnet.ingress.console;

import dev.fleetnet.ingress.ssh.MachineTerminal;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.sshd.server.ExitCallback;

/**
 * One browser terminal on a machine: keystrokes and resizes from the WebSocket go to the machine's
 * process, its output comes back as binary frames, and its end (exit, the machine stopping, the
 * browser leaving, idleness) closes both sides with a message on the terminal and in the close
 * frame. Threading: frames arrive on the event loop; the process starts on a virtual thread; its
 * threads write output and report the exit, which is handled on the event loop.
 */
final class ConsoleSessionHandler extends ChannelInboundHandlerAdapter implements ExitCallback {
    private final WebConsole console;
    private final String machine;
    private final String client;
    private final Instant start = Instant.now();
    private ChannelHandlerContext ctx;
    private ConsoleInput input;
    private ConsoleOutput output;
    /** Null until the process runs, or when opening failed. Event loop. */
    private MachineTerminal terminal;
    /** A resize that came before the process ran. Event loop. */
    private ConsoleFrames.Resize pendingSize;
    /** A close frame went out, or the connection is gone. Event loop. */
    private boolean ended;

    ConsoleSessionHandler(WebConsole console, String machine, String client) {
        this.console = console;
        this.machine = machine;
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Starts the machine's shell on a terminal of {@code columns} x {@code rows}, off the event loop
     * (starting a process blocks); keystrokes and sizes that arrive meanwhile wait for it. Event loop.
     */
    void open(int columns, int rows) {
        input = new ConsoleInput(() -> ctx.channel().config().setAutoRead(true));
        output = new ConsoleOutput(ctx.channel());
        ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(("fleetnet: machine " + machine + ", through host "
                + console.config().hostName() + "\r\n").getBytes(StandardCharsets.UTF_8))));
        Thread.ofVirtual().name("console-open-" + machine).start(() -> {
            try {
                MachineTerminal opened = console.terminals().open(machine, columns, rows, input, output, this);
                ConsoleUpgradeHandler.log.info("console session {} start: link -> machine {} from {} ({}x{})", id(), machine, client,
                        columns, rows);
                ctx.executor().execute(() -> opened(opened));
            } catch (MachineTerminal.Refused e) {
                ConsoleUpgradeHandler.log.info("console refused from {}: {}", client, e.getMessage());
                ctx.executor().execute(() -> end(e.getMessage(), WebSocketCloseStatus.POLICY_VIOLATION, true));
            } catch (IOException | RuntimeException e) {
                ConsoleUpgradeHandler.log.warn("console session {}: cannot open a terminal on machine {}: {}", id(), machine, e.toString());
                ctx.executor().execute(() -> end("fleetnet: cannot open a terminal on machine '" + machine + "' (" + e.getMessage() + ")",
                        WebSocketCloseStatus.INTERNAL_SERVER_ERROR, true));
            }
        });
    }

    /** The terminal runs: a size asked for meanwhile applies now; a session that ended meanwhile ends it. Event loop. */
    private void opened(MachineTerminal started) {
        terminal = started;
        if (ended) {
            started.close();
        } else if (pendingSize != null) {
            started.resize(pendingSize.columns(), pendingSize.rows());
            pendingSize = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (ended || input == null) {
                return;
            }
            if (msg instanceof BinaryWebSocketFrame keys) {
                if (input.offer(ByteBufUtil.getBytes(keys.content()))) {
                    ctx.channel().config().setAutoRead(false); // the machine reads slower than the browser types (a paste)
                }
            } else if (msg instanceof TextWebSocketFrame control) {
                try {
                    switch (ConsoleFrames.control(control.text())) {
                        case ConsoleFrames.Resize resize -> {
                            if (terminal == null) {
                                pendingSize = resize; // the last one wins once the terminal runs
                            } else {
                                terminal.resize(resize.columns(), resize.rows());
                            }
                        }
                    }
                } catch (IllegalArgumentException e) {
                    ConsoleUpgradeHandler.log.warn("console session {}: ignored {}", id(), e.getMessage());
                }
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame) {
                ended = true; // the browser closes: answer, and end the process
                if (terminal != null) {
                    terminal.close();
                }
                input.close();
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE)).addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The process ended (by itself, or stopped with its machine): called on one of its threads. */
    @Override
    public void onExit(int status, String message, boolean closeImmediately) {
        ctx.executor().execute(() -> {
            ConsoleUpgradeHandler.log.info("console session {} end: machine {} from {}, {} s, exit status {}", id(), machine, client,
                    Duration.between(start, Instant.now()).toSeconds(), status);
            if (message == null || message.isEmpty()) {
                end(ConsoleFrames.exitLine(status).strip(), WebSocketCloseStatus.NORMAL_CLOSURE, true);
            } else {
                end(message, WebSocketCloseStatus.NORMAL_CLOSURE, false); // the process wrote it to the terminal already
            }
        });
    }

    /** Ends the process and closes with {@code message}, writing it to the terminal first when {@code write}. Event loop. */
    private void end(String message, WebSocketCloseStatus status, boolean write) {
        if (terminal != null) {
            terminal.close();
        }
        if (input != null) {
            input.close();
        }
        if (ended || !ctx.channel().isActive()) {
            ended = true;
            return;
        }
        ended = true;
        if (write) {
            ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(ConsoleFrames.terminalLine(message))));
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(status, ConsoleFrames.closeReason(message))).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            end("fleetnet: closing the console after " + console.config().idleTimeout().toMinutes()
                    + " min without input or output", WebSocketCloseStatus.NORMAL_CLOSURE, true);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        output.wake();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ended = true;
        if (terminal != null) {
            terminal.close(); // the browser went away: no shell left behind
        }
        if (input != null) {
            input.close();
        }
        if (output != null) {
            output.wake();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConsoleUpgradeHandler.log.debug("console session {}: {}", id(), cause.toString());
        ctx.close();
    }

    private String id() {
        return Integer.toHexString(System.identityHashCode(this));
    }
}

package dev.fleetnet.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;

/**
 * What runs inside a test machine: HTTP on one port (echo of what arrived, /slow, /upload,
 * /download?n=BYTES) and a WebSocket echo on another. Every request's arrival is logged as
 * "epoch-millis path" to a file. Args: NAME HTTP_PORT WS_PORT LOG_FILE.
 */
public final class MachineServer {
    private MachineServer() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        Path log = Path.of(args[3]);
        PrintWriter arrivals = new PrintWriter(Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
        HttpServer http = HttpServer.create(new InetSocketAddress("::", Integer.parseInt(args[1])), 256);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/", ex -> {
            arrivals.println(System.currentTimeMillis() + " " + ex.getRequestURI());
            switch (ex.getRequestURI().getPath()) {
                case "/slow" -> {
                    try {
                        Thread.sleep(30_000); // the behaviour under test: a machine that does not answer
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    send(ex, "late");
                }
                case "/upload" -> {
                    long total = 0;
                    try (InputStream in = ex.getRequestBody()) {
                        byte[] buf = new byte[64 * 1024];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            total += n;
                        }
                    }
                    send(ex, "received=" + total);
                }
                case "/download" -> {
                    long size = Long.parseLong(ex.getRequestURI().getQuery().substring(2));
                    ex.sendResponseHeaders(200, size);
                    try (OutputStream out = ex.getResponseBody()) {
                        byte[] buf = new byte[64 * 1024];
                        for (long left = size; left > 0; left -= buf.length) {
                            out.write(buf, 0, (int) Math.min(buf.length, left));
                        }
                    }
                }
                default -> {
                    StringBuilder body = new StringBuilder("hello from " + name + "\npath=" + ex.getRequestURI() + "\n");
                    ex.getRequestHeaders().forEach((k, v) -> body.append(k.toLowerCase()).append(": ").append(String.join(",", v)).append('\n'));
                    send(ex, body.toString());
                }
            }
        });
        http.start();
        new ServerBootstrap().group(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory())).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler("/ws"),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                        ctx.writeAndFlush(new TextWebSocketFrame(name + " echoes " + frame.text()));
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("::", Integer.parseInt(args[2]))).sync();
        System.out.println("ready");
        Thread.currentThread().join();
    }

    private static void send(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

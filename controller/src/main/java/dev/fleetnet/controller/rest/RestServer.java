package dev.fleetnet.controller.rest;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The public API as REST/JSON over HTTPS (HTTP/1.1): the {@link RestRoutes} operations, each
 * served by the same gRPC service definitions (with their auth interceptor) through an in-process
 * channel, and {@code GET /openapi.yaml}, the document that describes them (no token needed).
 */
public final class RestServer implements AutoCloseable {
    /** The largest request body accepted (a certificate chain upload fits many times over). */
    static final int MAX_BODY_BYTES = 1 << 20;

    /** Where to listen, the TLS to serve with, and the (intercepted) services to call. */
    public record Config(InetSocketAddress listen, SslContext tls, List<ServerServiceDefinition> services) {
        public Config {
            services = List.copyOf(services);
        }
    }

    private final MultiThreadIoEventLoopGroup group;
    private final Server inProcess;
    private final ManagedChannel channel;
    private final Channel listener;

    private RestServer(MultiThreadIoEventLoopGroup group, Server inProcess, ManagedChannel channel, Channel listener) {
        this.group = group;
        this.inProcess = inProcess;
        this.channel = channel;
        this.listener = listener;
    }

    public static RestServer start(Config config) throws IOException, InterruptedException {
        byte[] openApi = openApiDocument();
        String name = "fleetnet-rest-" + InProcessServerBuilder.generateName();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
        config.services().forEach(builder::addService);
        Server inProcess = builder.build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        RestRoutes routes = new RestRoutes(RestRoutes.ALL);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(config.tls().newHandler(ch.alloc()), new ReadTimeoutHandler(120, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES),
                                    new RestHandler(routes, channel, openApi));
                        }
                    }).bind(config.listen()).sync().channel();
            return new RestServer(group, inProcess, channel, listener);
        } catch (Exception e) {
            channel.shutdownNow();
            inProcess.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("REST API: cannot listen on " + config.listen() + " (" + e.getMessage() + ")", e);
        }
    }

    /** The OpenAPI document served at {@code /openapi.yaml}, from the controller's resources. */
    public static byte[] openApiDocument() throws IOException {
        try (InputStream in = RestServer.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IOException("openapi.yaml is missing from the controller's resources");
            }
            return in.readAllBytes();
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        channel.shutdownNow();
        inProcess.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

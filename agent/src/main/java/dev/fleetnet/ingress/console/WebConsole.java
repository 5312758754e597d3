package dev.fleetnet.ingress.console;

import dev.fleetnet.ingress.http.Http1Streams;
import dev.fleetnet.ingress.http.LocalSite;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.List;

/**
 * The web console on the ingress: {@code console.{suffix}} serves a terminal page (xterm.js from
 * the agent jar) whose WebSocket runs a login shell on a machine with the SSH ingress's session
 * code. A session needs a link token: spent at the WebSocket upgrade ({@link ConsoleLinks}), it
 * names the machine. Served on the HTTPS listener only; cleartext requests are redirected.
 */
public final class WebConsole implements LocalSite {
    /** The page may load nothing but its own files and talk to nothing but its own host. */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
            + "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /**
     * {@code hostname}: the console's ({@code console.{suffix}}); {@code hostName}: this host, named
     * in the terminal's first line; a session without input or output for {@code idleTimeout} is
     * closed; the controller must answer a spend within {@code spendTimeout}.
     */
    public record Config(String hostname, String hostName, Duration idleTimeout, Duration spendTimeout) {}

    private final Config config;
    private final ConsoleAssets assets;
    private final ConsoleLinks links;
    private final Terminals terminals;

    public WebConsole(Config config, ConsoleAssets assets, ConsoleLinks links, Terminals terminals) {
        this.config = config;
        this.assets = assets;
        this.links = links;
        this.terminals = terminals;
    }

    Config config() {
        return config;
    }

    ConsoleLinks links() {
        return links;
    }

    Terminals terminals() {
        return terminals;
    }

    @Override
    public boolean serves(String host) {
        return host.equals(config.hostname());
    }

    @Override
    public Answer answer(HttpRequest request, String host, String target, String scheme, ByteBufAllocator alloc) {
        HttpHeaders headers = request.headers();
        String hostHeader = headers.get(HttpHeaderNames.HOST, host);
        List<String> protocols = headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        ConsoleRequests.Head head = new ConsoleRequests.Head(request.method().name(), target, host, hostHeader, scheme,
                headers.get(HttpHeaderNames.UPGRADE), headers.get(HttpHeaderNames.ORIGIN),
                protocols.isEmpty() ? null : String.join(", ", protocols));
        return switch (ConsoleRequests.decide(head, assets.names())) {
            case ConsoleRequests.Serve serve -> new Respond(file(serve.name(), serve.head()));
            case ConsoleRequests.Redirect redirect -> {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT,
                        Unpooled.EMPTY_BUFFER);
                response.headers().set(HttpHeaderNames.LOCATION, redirect.location()).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                yield new Respond(response);
            }
            case ConsoleRequests.Refuse refuse -> new Respond(Http1Streams.error(alloc, refuse.status(), refuse.reason(), null, null));
            case ConsoleRequests.Upgrade upgrade -> new TakeOver(new ConsoleUpgradeHandler(this, upgrade, hostHeader));
        };
    }

    private FullHttpResponse file(String name, boolean head) {
        ConsoleAssets.Asset asset = assets.get(name);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(asset.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, asset.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, POLICY)
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                .set("x-content-type-options", "nosniff")
                .set("referrer-policy", "no-referrer");
        return response;
    }
}

package dev.fleetnet.ingress.tls;

import dev.fleetnet.routing.Hostnames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SniCompletionEvent;
import java.util.List;

/**
 * On a TLS connection, marks every request whose Host (or absolute-form authority) is not the
 * connection's server name as failed with {@link MisdirectedRequest}, so the proxy answers 421
 * in its turn (after earlier pipelined responses) and forwards nothing of it. Requests whose
 * Host is missing or malformed pass unmarked: the proxy's own checks refuse them.
 */
public final class ServerNameGuard extends ChannelInboundHandlerAdapter {
    /** Lower case, set once the server name was read from the ClientHello. Event loop only. */
    private String serverName;

    public ServerNameGuard() {}

    /** For a pipeline set up after the handshake (ALPN), when the SNI event has already passed. */
    public ServerNameGuard(String serverName) {
        this.serverName = serverName;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni && sni.isSuccess() && sni.hostname() != null) {
            serverName = Hostnames.fromHostHeader(sni.hostname());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            mark(request, serverName);
        }
        ctx.fireChannelRead(msg);
    }

    /** Marks {@code request} misdirected when its Host is not {@code serverName}. */
    public static void mark(HttpRequest request, String serverName) {
        String host = requestHost(request);
        if (host != null && !host.equals(serverName)) {
            request.setDecoderResult(DecoderResult.failure(new MisdirectedRequest(serverName, host)));
        }
    }

    /** The hostname a request is routed by, lower case without port; null when there is none to compare. */
    public static String requestHost(HttpRequest request) {
        String uri = request.uri();
        int scheme = uri.indexOf("://");
        if (scheme > 0 && !uri.startsWith("/")) {
            int start = scheme + 3;
            int end = start;
            while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
                end++;
            }
            return Hostnames.fromHostHeader(uri.substring(start, end));
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        return hosts.size() == 1 ? Hostnames.fromHostHeader(hosts.getFirst()) : null;
    }
}

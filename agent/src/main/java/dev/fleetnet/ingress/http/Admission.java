package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.tls.MisdirectedRequest;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.MachineEntry;
import dev.fleetnet.routing.Resolution;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * From a request head alone: does the ingress answer it itself (malformed, refused, unknown
 * target, too large, health, an ACME challenge or an HTTPS redirect on cleartext, its own site),
 * hand the connection to its own site (the console's WebSocket) or forward it, and to which machine. An admitted request's head
 * is rewritten for the upstream here (origin-form target, forwarding headers, no Expect).
 */
final class Admission {
    private Admission() {}

    sealed interface Decision {}

    /** Answer with {@code response}; {@code close}: end the connection after it (the rest of the stream is not trusted). */
    record Answer(FullHttpResponse response, boolean close) implements Decision {}

    /** A hostname the ingress serves itself takes the connection over with {@code handler} (the console's WebSocket). */
    record TakeOver(io.netty.channel.ChannelHandler handler) implements Decision {}

    /**
     * Forward to {@code target}'s {@code port}; the client awaits {@code 100 Continue} when
     * {@code expectContinue}. The request is rewritten for the machine but for {@code forwarding},
     * the fields the proxy sets, which go with it (added to its headers, or written as bytes).
     */
    record Admit(MachineEntry target, int port, long maxBody, boolean expectContinue, boolean webSocket, boolean h2c,
            IngressObserver.RouteLabel route, ForwardingHeaders.Added forwarding) implements Decision {}

    /**
     * {@code client}: who sent it, made once per connection ({@link #client}); {@code memo}: the
     * connection's last routing decision, or null for a request that has no connection of its own.
     */
    static Decision decide(HttpRequest request, IngressContext ingress, ForwardingHeaders.Client client, RouteMemo memo,
            ByteBufAllocator alloc) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            int status = cause instanceof TooLongHttpHeaderException ? 431 : cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof MisdirectedRequest ? 421 : 400;
            String reason = status == 431 ? "request headers too large" : status == 414 ? "request line too long"
                    : status == 421 ? cause.getMessage() : "malformed request: " + cause.getMessage();
            return new Answer(ErrorResponses.error(alloc, status, reason, null, null), true);
        }
        if (request.method().equals(HttpMethod.GET) && request.uri().equals("/health")) {
            return new Answer(ErrorResponses.health(alloc), false);
        }
        RequestChecks.Accept accepted;
        switch (RequestChecks.check(request.method(), request.uri(), request.protocolVersion(), request.headers())) {
            case RequestChecks.Refuse refuse -> {
                return new Answer(ErrorResponses.error(alloc, refuse.status(), refuse.reason(), null, null), true);
            }
            case RequestChecks.AboutServer about -> {
                return new Answer(ErrorResponses.options(alloc), false);
            }
            case RequestChecks.Accept accept -> accepted = accept;
        }
        String host = dev.fleetnet.routing.Hostnames.fromHostHeader(accepted.host());
        if (host != null && ingress.site().serves(host)) {
            return switch (ingress.site().answer(request, host, accepted.path(), ingress.scheme(), alloc)) {
                case LocalSite.Respond respond -> new Answer(respond.response(), false);
                case LocalSite.TakeOver takeOver -> new TakeOver(takeOver.handler());
            };
        }
        IngressTable table = ingress.table(); // one state for the whole decision
        Resolution.Forward forward = memo == null ? null : memo.forward(table, accepted.host(), accepted.path());
        if (forward == null) {
            if (!ingress.scheme().equals("https")) {
                FullHttpResponse own = CleartextAnswers.answer(request.method(), host, accepted.path(), ingress, table, alloc);
                if (own != null) {
                    return new Answer(own, false);
                }
            }
            Resolution resolution = table.resolve(host, accepted.path());
            if (resolution instanceof Resolution.Refuse refuse) {
                return new Answer(ErrorResponses.error(alloc, refuse.status(), refuse.error(), refuse.machine(), refuse.port()), false);
            }
            forward = (Resolution.Forward) resolution;
            if (memo != null) {
                memo.keep(table, accepted.host(), accepted.path(), forward);
            }
        }
        long maxBody = forward.route() != null && forward.route().maxBodyBytes() > 0
                ? forward.route().maxBodyBytes() : ingress.config().maxBodyBytes();
        MachineEntry target = ingress.outstanding().choose(forward.candidates());
        if (maxBody > 0 && HttpUtil.getContentLength(request, -1L) > maxBody) {
            return new Answer(ErrorResponses.error(alloc, 413, "request body too large (limit " + maxBody + " bytes)",
                    target.name(), forward.port()), true);
        }
        // Expect is answered by the ingress (100 Continue once admitted), never forwarded: an upstream's
        // interim response must not be taken for the final one.
        request.headers().remove(HttpHeaderNames.EXPECT);
        if (accepted.host() != null && !request.uri().startsWith("/")) {
            request.headers().set(HttpHeaderNames.HOST, accepted.host()); // absolute-form: its authority, not the Host field
        }
        if (accepted.maxForwards() >= 0) {
            request.headers().set(HttpHeaderNames.MAX_FORWARDS, accepted.maxForwards()); // this hop counted (RFC 9110 7.6.2)
        }
        if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // the list checked to be chunked alone, as the codec writes it anew: no machine reads the framing differently
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        boolean webSocket = ForwardingHeaders.isWebSocketUpgrade(request.headers());
        boolean h2c = forward.route() != null && forward.route().h2c();
        if (webSocket && h2c) {
            return new Answer(ErrorResponses.error(alloc, 501, "WebSocket is not available on this route: its machine speaks HTTP/2 (h2c) only",
                    target.name(), forward.port()), true);
        }
        ForwardingHeaders.Added forwarding = ForwardingHeaders.forUpstream(request.headers(), client, target.name(), forward.port(),
                forward.rewriteHost(), webSocket, ingress.config().proxyName());
        request.setUri(forward.path());
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        return new Admit(target, forward.port(), maxBody, accepted.expectContinue(), webSocket, h2c,
                memo == null ? RouteLabels.forward(forward, target) : memo.label(forward, target), forwarding);
    }

    /** The client of a connection as forwarding headers name it; {@code address} null (an in-memory channel): loopback. */
    static ForwardingHeaders.Client client(IngressContext ingress, InetSocketAddress address) {
        InetAddress ip = address == null ? InetAddress.getLoopbackAddress() : address.getAddress();
        boolean trusted = address != null && TrustedProxies.trusted(ingress.config().trustedProxies(), address.getAddress());
        return new ForwardingHeaders.Client(ip, ingress.listenPort(), ingress.scheme(), trusted);
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.core.Ipv6;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.IngressObserver.RequestRecord;
import dev.fleetnet.ingress.core.IngressObserver.RouteLabel;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;

/**
 * What the observer hears of one client connection's requests: one record per request, whichever
 * way it ended (forwarded, answered by the ingress, taken over by its own site, refused before
 * it could be read). Threading: the client's loop.
 */
final class RequestLog {
    private final IngressObserver observer;
    private final Channel client;
    /** The client's address as text; made on first use. */
    private String clientText;

    RequestLog(IngressObserver observer, Channel client) {
        this.observer = observer;
        this.client = client;
    }

    /** How {@code ex} ended, told once: {@code extraBytesOut} is an error response the ingress wrote itself. */
    void exchange(Exchange ex, int status, long extraBytesOut) {
        if (ex.observed) {
            return;
        }
        ex.observed = true;
        RequestAsSent sent = ex.sent;
        observer.request(new RequestRecord(ex.startMillis, clientText(), sent.host(), ex.request.method().name(), sent.uri(), ex.route,
                ex.target.name(), status, ex.bodyBytes, ex.bytesOut + extraBytesOut, System.nanoTime() - sent.startNanos(),
                ex.upstreamNanos, sent.version()));
    }

    /** A request that reached no machine: answered by the ingress ({@code status}, {@code bytesOut}) or taken over by its own site (101). */
    void answered(HttpRequest request, RequestAsSent sent, RouteLabel route, int status, long bytesOut) {
        observer.request(new RequestRecord(System.currentTimeMillis(), clientText(), sent.host(), request.method().name(), sent.uri(),
                route, "", status, 0, bytesOut, System.nanoTime() - sent.startNanos(), 0, sent.version()));
    }

    /** A refusal with no request to name (its head was too large, or the connection failed between requests). */
    void refused(int status, long bytesOut) {
        observer.request(new RequestRecord(System.currentTimeMillis(), clientText(), null, "", "", RouteLabel.NONE, "", status, 0,
                bytesOut, 0, 0, "HTTP/1.1"));
    }

    /** The client's address as text, made once per connection. */
    private String clientText() {
        if (clientText == null) {
            // IPv6 in its canonical short form (RFC 5952), as operators grep for it
            clientText = !(client.remoteAddress() instanceof InetSocketAddress a) ? ""
                    : a.getAddress().getAddress().length == 16 ? Ipv6.format(a.getAddress().getAddress())
                    : a.getAddress().getHostAddress();
        }
        return clientText;
    }
}

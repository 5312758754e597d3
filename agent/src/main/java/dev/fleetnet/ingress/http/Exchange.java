package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.routing.MachineEntry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;

/** One request/response of a client connection, through one upstream connection. Loop-confined. */
final class Exchange {
    final HttpRequest request;
    final MachineEntry target;
    final InetSocketAddress upstreamAddress;
    final long maxBody;
    /** The request as the client sent it (the request above is rewritten for the machine). */
    final RequestAsSent sent;
    final boolean webSocket;
    final UpstreamSource pool;
    Channel upstream;
    /** {@link #upstream}'s handler, while it is bound to this exchange. */
    UpstreamHandler upstreamHandler;
    /** This request, counted among its machine's in flight from admission on (null before, and once done). */
    OutstandingRequests.InFlight inFlight;
    long bodyBytes;
    boolean requestComplete;
    /** The request has no body and went out whole with its head: the decoder's empty end of it is not written again. */
    boolean sentWhole;
    /** The request has no body (RFC 9112 6.3), as its head said when it was admitted. */
    final boolean bodiless;
    boolean responseStarted;
    /** The final response's head, readied for the client and not yet written: it waits for its body within one read. */
    HttpResponse pendingHead;
    /** What goes to the client next as bytes (a head, small body parts, chunk framing), written at the read's end. */
    ByteBuf pendingOut;
    /**
     * The final response's head waits in {@link #pendingOut}, none of the response written to the
     * client yet (and the encoder not yet told the request is answered): a response found invalid
     * now can still be replaced by an error response instead of cut.
     */
    boolean responseHeld;
    /**
     * The fields the proxy sets, for a request without a body to a pooled HTTP/1.1 connection:
     * written after the request's own as bytes; null when they were added to its headers.
     */
    final ForwardingHeaders.Added forwarding;
    /** How the response's body reaches the client, for a response read as bytes. */
    ClientHead.Framing framing;
    /** The response read as bytes, turned into netty's objects for a client that takes those; made on first use. */
    private LeanToObjects objects;
    boolean responseKeepAlive;
    boolean upstreamKeepAlive;
    /** An interim (1xx) response was dropped; its empty last content is still to come. */
    boolean skippingInterim;
    /** System.nanoTime() by which the machine must have started its response; 0 when not waiting for one. */
    long responseDeadline;
    /** Whole-request deadline (System.nanoTime()): from the head to the last body byte; 0 once the body is in. */
    long requestDeadline;
    /** For the observer: when, where it went and what became of it. */
    final long startMillis;
    final IngressObserver.RouteLabel route;
    int status;
    long bytesOut;
    long upstreamSentNanos;
    long upstreamNanos;
    /** The observer was told about this exchange (once only). */
    boolean observed;

    /** {@code request}, admitted as {@code admit} says, to go to {@code upstreamAddress} on a connection from {@code pool}. */
    Exchange(HttpRequest request, RequestAsSent sent, Admission.Admit admit, InetSocketAddress upstreamAddress, UpstreamSource pool) {
        this.request = request;
        this.sent = sent;
        this.target = admit.target();
        this.upstreamAddress = upstreamAddress;
        this.maxBody = admit.maxBody();
        this.webSocket = admit.webSocket();
        this.route = admit.route();
        this.pool = pool;
        this.startMillis = System.currentTimeMillis();
        this.bodiless = !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.getContentLength(request, 0L) == 0;
        this.forwarding = bodiless && !admit.h2c() ? admit.forwarding() : null;
    }

    /**
     * Readies the final response head for the client: hop-by-hop headers out, and framing the
     * client can follow (chunked for an HTTP/1.1 keep-alive client when the upstream gave no
     * length, else the connection ends with the body).
     */
    void startResponse(HttpResponse response, boolean complete, String proxyName) {
        responseStarted = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        ForwardingHeaders.toClient(response.headers(), false, proxyName);
        boolean keepAlive = sent.keepAlive();
        if (!HttpUtil.isContentLengthSet(response) && !complete) {
            // the version the client sent (admission made the request HTTP/1.1 for the machine): no chunked to HTTP/1.0
            // (RFC 9112 6.1), whose body then ends with the connection
            boolean chunked = HttpUtil.isTransferEncodingChunked(response);
            boolean http11 = sent.http11();
            if (http11 && keepAlive) {
                if (!chunked) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                }
            } else {
                if (!http11 && chunked) { // an HTTP/1.1 client that closes keeps a chunked body: its trailers need the chunks
                    HttpUtil.setTransferEncodingChunked(response, false);
                }
                keepAlive = false;
            }
        }
        responseKeepAlive = keepAlive;
        HttpUtil.setKeepAlive(response, keepAlive);
    }

    /**
     * {@code upstream} is this exchange's from now on: bound to {@code owner}, reading, and the
     * request's head written to it (unflushed) at {@code nowNanos}; a request without a body goes
     * whole. {@code dechunk}: the client takes a chunked body's data alone.
     */
    void sendHead(Channel upstream, HttpProxyHandler owner, boolean dechunk, long nowNanos) {
        this.upstream = upstream;
        upstreamHandler = UpstreamHandler.of(upstream);
        upstreamHandler.bind(owner, HttpMethod.HEAD.equals(request.method()), dechunk);
        upstream.config().setAutoRead(true);
        sentWhole = bodiless;
        upstreamHandler.sendHead(this);
        upstreamSentNanos = nowNanos;
    }

    /**
     * Writes one part of the request's body to the machine, flushed when it is the last or the
     * machine's connection is full; false (and released) when the body went past its limit.
     * The last part goes without its trailer fields.
     */
    boolean sendBody(HttpContent content) {
        bodyBytes += content.content().readableBytes();
        if (maxBody > 0 && bodyBytes > maxBody) {
            content.release();
            return false;
        }
        boolean last = content instanceof LastHttpContent;
        if (sentWhole) {
            content.release(); // the empty end of a request without a body: it went out with the head
        } else if (last && !((LastHttpContent) content).trailingHeaders().isEmpty()) {
            // Request trailers are not forwarded (as nginx does not): their fields never went through the head's checks
            // and rewriting (Host, forwarding fields, credentials, hop-by-hop fields). The body's last bytes still go.
            upstream.write(new DefaultLastHttpContent(content.content()), upstream.voidPromise());
        } else {
            upstream.write(content, upstream.voidPromise());
        }
        if (last) {
            requestComplete = true;
            cancelRequestTimer();
            if (!sentWhole) { // else flushed with the head
                upstream.flush();
            }
        } else if (!upstream.isWritable()) {
            upstream.flush();
        }
        return true;
    }

    LeanToObjects objects() {
        if (objects == null) {
            objects = new LeanToObjects();
        }
        return objects;
    }

    /**
     * True once some of the response went to the client's connection (written, if not yet
     * flushed): from then on a response that cannot end as it should is cut, no longer replaced.
     */
    boolean clientHeardResponse() {
        return responseStarted && pendingHead == null && !responseHeld;
    }

    void releasePending() {
        if (pendingOut != null) {
            pendingOut.release();
            pendingOut = null;
        }
    }

    void cancelRequestTimer() {
        requestDeadline = 0;
    }

    void cancelResponseTimer() {
        responseDeadline = 0;
    }

    /** No longer among its machine's requests in flight (once, whichever way the exchange ends). */
    void leaveInFlight() {
        if (inFlight != null) {
            inFlight.finished();
            inFlight = null;
        }
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.routing.MachineEntry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * One client connection of the HTTP ingress, the state machine of its exchanges: each request is
 * admitted or answered ({@link Admission}), gets an upstream connection on the same event loop
 * ({@link ConnectionUpstreams}) and its body streamed there ({@link Exchange}); the response comes
 * back through a relay ({@link Http1ResponseRelay} as bytes, {@link ObjectResponseRelay} as netty's
 * objects) and is recorded once ({@link RequestLog}). Reading from one side only while the other
 * can take more. One exchange at a time; pipelined requests wait their turn. Threading:
 * everything runs on the channel's loop.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private enum State { IDLE, CONNECTING, SENDING_BODY, AWAITING_RESPONSE, DISCARDING_BODY, TUNNEL }

    private final IngressContext ingress;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange exchange;
    /** The current exchange's deadlines; made when the handler is added. */
    private ExchangeDeadlines deadlines;
    /** Messages decoded ahead of their turn: body parts while connecting, pipelined requests. */
    private final DeferredInput deferred = new DeferredInput();
    private RequestLog log;
    private ConnectionUpstreams upstreams;
    /** The client as forwarding headers name it; made on first use. */
    private ForwardingHeaders.Client client;
    private final RouteMemo routeMemo = new RouteMemo();
    /** The header-read clock in front of the decoder. */
    private HeaderReadTimeoutHandler headerTimeout;
    private boolean replaying;
    /** A final response went out; everything still arriving is dropped until the close. */
    private boolean closing;
    /**
     * A machine's HTTP/1.1 response, as bytes, to a client on this connection's HTTP/1.1 codec. Null
     * on an HTTP/2 stream, which takes netty's HTTP objects ({@link LeanToObjects}).
     */
    private Http1ResponseRelay bytes;
    /** A response as netty's HTTP objects (from an h2c machine, or for an HTTP/2 client). */
    private ObjectResponseRelay objects;

    HttpProxyHandler(IngressContext ingress) {
        this.ingress = ingress;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.headerTimeout = ctx.pipeline().get(HeaderReadTimeoutHandler.class);
        ChannelHandlerContext codecCtx = ctx.pipeline().context(Http1ServerCodec.Encoder.class);
        this.bytes = codecCtx == null ? null : new Http1ResponseRelay(codecCtx, ingress.config().proxyName());
        this.objects = new ObjectResponseRelay(ctx, ingress.config().proxyName());
        this.log = new RequestLog(ingress.observer(), ctx.channel());
        this.upstreams = new ConnectionUpstreams(ingress, ctx.channel());
        IngressConfig config = ingress.config();
        this.deadlines = new ExchangeDeadlines(ctx.executor(), config.requestTimeout(), config.upstreamResponseTimeout(),
                () -> exchange, missed -> {
                    if (missed == ExchangeDeadlines.Missed.REQUEST) {
                        failOrClose(408, "request body not received within " + config.requestTimeout().toSeconds() + " s");
                    } else {
                        failOrClose(504, "upstream did not respond in time");
                    }
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!replaying && !deferred.isEmpty() || mustDefer(msg)) {
            defer(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
            if (msg instanceof HttpContent) { // an invalid message the decoder built whole
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof HttpContent content) {
            onContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void defer(Object msg) {
        deferred.add(msg);
        if (deferred.full()) {
            updateReading();
        }
    }

    private boolean mustDefer(Object msg) {
        return switch (state) {
            case CONNECTING -> true;
            case AWAITING_RESPONSE -> true; // a pipelined request: after the current response
            case SENDING_BODY, DISCARDING_BODY -> msg instanceof HttpRequest;
            default -> false;
        };
    }

    private void onRequest(HttpRequest request) {
        headerTimeout.headReceived();
        RequestAsSent sent = RequestAsSent.of(request, System.nanoTime()); // admission rewrites the head of a forwarded request
        boolean acceptsTrailers = ForwardingHeaders.acceptsTrailers(request.headers()); // TE is hop-by-hop: gone after admission
        switch (Admission.decide(request, ingress, client(), routeMemo, ctx.alloc())) {
            case Admission.Answer answer -> {
                log.answered(request, sent, RouteLabels.answered(ingress.table(), sent.host(), sent.uri()),
                        answer.response().status().code(), answer.response().content().readableBytes());
                if (answer.close()) {
                    respondAndClose(answer.response());
                } else {
                    respond(answer.response(), sent.keepAlive());
                }
            }
            case Admission.Admit admit -> {
                if (admit.h2c() && acceptsTrailers) {
                    request.headers().set(HttpHeaderNames.TE, "trailers"); // over HTTP/2 it says so end to end (gRPC asks for it)
                }
                forward(request, sent, admit);
            }
            case Admission.TakeOver takeOver -> {
                // logged as it is taken over (101); the site logs what happens after
                log.answered(request, sent, IngressObserver.RouteLabel.NONE, 101, 0);
                HttpIngressInitializer.handOver(ctx, takeOver.handler(), request, deferred);
            }
        }
    }

    private void forward(HttpRequest request, RequestAsSent sent, Admission.Admit admit) {
        if (admit.expectContinue()) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        UpstreamSource pool = upstreams.source(admit.h2c());
        Exchange ex = new Exchange(request, sent, admit, upstreams.address(admit.target(), admit.port()), pool);
        if (ex.forwarding == null) {
            admit.forwarding().addTo(request.headers()); // netty's encoder, or HTTP/2 frames, take it from there
        }
        exchange = ex;
        deadlines.requestStarted(ex, sent.startNanos());
        ex.inFlight = ingress.outstanding().started(admit.target().name());
        state = State.CONNECTING;
        Channel ready = pool.pollIdle(ex.upstreamAddress);
        if (ready != null) {
            upstreamReady(ex, ready, sent.startNanos()); // at once: the clock read for the head will do
        } else {
            pool.acquire(ex.upstreamAddress).addListener(f -> onUpstreamAcquired(ex, f));
        }
    }

    private void onContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            if (state == State.DISCARDING_BODY) { // already answered; the stream can't be trusted
                ctx.close();
            } else {
                failOrClose(400, "malformed request body: " + content.decoderResult().cause().getMessage());
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        switch (state) {
            case DISCARDING_BODY -> {
                content.release();
                if (last) {
                    nextRequest();
                }
            }
            case SENDING_BODY -> {
                Exchange ex = exchange;
                if (!ex.sendBody(content)) {
                    failOrClose(413, "request body too large (limit " + ex.maxBody + " bytes)");
                    return;
                }
                if (last) {
                    state = State.AWAITING_RESPONSE;
                    // a request without a body was all in when it went out with its head
                    deadlines.awaitingResponse(ex, ex.sentWhole ? ex.upstreamSentNanos : System.nanoTime());
                }
                updateReading();
            }
            default -> content.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null && exchange.upstream != null && state == State.SENDING_BODY) {
            exchange.upstream.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void onUpstreamAcquired(Exchange ex, Future<? super Channel> f) {
        if (ex != exchange) { // the client went away meanwhile
            if (f.isSuccess()) {
                ex.pool.release(ex.upstreamAddress, (Channel) f.getNow(), true);
            }
            return;
        }
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            if (cause instanceof UpstreamPool.PoolExhaustedException) {
                failOrClose(503, "machine busy: no upstream connection free within "
                        + ingress.config().upstreamAcquireTimeout().toMillis() + " ms");
                return;
            }
            boolean timeout = cause instanceof ConnectTimeoutException;
            ingress.observer().upstreamConnectFailed(ex.route);
            failOrClose(timeout ? 504 : 502, timeout ? "upstream connect timeout" : "upstream refused the connection");
            return;
        }
        upstreamReady(ex, (Channel) f.getNow(), System.nanoTime());
    }

    /**
     * {@code upstream} is {@code ex}'s to send on: the head, then whatever body arrived meanwhile.
     * {@code nowNanos}: System.nanoTime() of the moment (the request goes out with it).
     */
    private void upstreamReady(Exchange ex, Channel upstream, long nowNanos) {
        MachineEntry now = ingress.table().machine(ex.target.name());
        if (now == null || !now.running() || !now.address().equals(ex.target.address())) {
            ex.pool.release(ex.upstreamAddress, upstream, true);
            failOrClose(503, "machine not running");
            return;
        }
        // a client that cannot read chunks (HTTP/1.0, or netty's objects on an HTTP/2 stream) gets a chunked body's data alone
        ex.sendHead(upstream, this, bytes == null || !ex.sent.http11(), nowNanos); // a failed write: onUpstreamClosed
        state = State.SENDING_BODY;
        replaying = true;
        try {
            while (!deferred.isEmpty() && state == State.SENDING_BODY && !(deferred.peek() instanceof HttpRequest)) {
                onContent((HttpContent) deferred.poll());
            }
        } finally {
            replaying = false;
        }
        if (exchange == ex) {
            upstream.flush();
            updateReading();
        }
    }

    void onUpstreamMessage(Object msg) {
        Exchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ResponseStep step;
        if (msg instanceof HttpObject) {
            step = objects.relay(ex, msg);
        } else if (msg instanceof ResponseReader.Invalid invalid) { // a pooled HTTP/1.1 connection's response, read from its bytes
            failOrClose(502, "invalid response from upstream: " + invalid.reason());
            return;
        } else if (bytes != null) {
            step = bytes.relay(ex, msg);
        } else {
            Object object = ex.objects().next(msg);
            if (object == null) {
                return;
            }
            step = objects.relay(ex, object);
        }
        switch (step) {
            case MORE -> { }
            case COMPLETE -> completeExchange(ex);
            case SWITCHED -> startTunnel(ex);
            case UNASKED_SWITCH -> failOrClose(502, "upstream switched protocols without being asked");
            case INVALID -> failOrClose(502, "invalid response from upstream");
        }
    }

    void onUpstreamReadComplete() {
        Exchange ex = exchange;
        if (ex != null) {
            objects.readComplete(ex);
            if (bytes != null) {
                bytes.writePending(ex);
            }
        }
        ctx.flush();
    }

    void onUpstreamWritabilityChanged() {
        updateReading();
    }

    void onUpstreamClosed() {
        Exchange ex = exchange;
        if (ex == null) {
            return;
        }
        if (ex.clientHeardResponse()) {
            cut(ex);
        } else {
            failOrClose(502, ex.responseStarted ? "upstream closed the connection in its response"
                    : "upstream closed the connection before responding");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null && ex.upstream != null && ctx.channel().isWritable()) {
            ex.upstream.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (exchange != null) {
                abandon(exchange);
            }
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            abandon(exchange);
        }
        deadlines.close(); // once per connection: nothing keeps this handler after its close
        deferred.releaseAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException && exchange == null) {
            FullHttpResponse tooLarge = ErrorResponses.error(ctx.alloc(), 431, "request headers too large", null, null);
            log.refused(431, tooLarge.content().readableBytes());
            respondAndClose(tooLarge);
            return;
        }
        ctx.close();
    }

    private void completeExchange(Exchange ex) {
        log.exchange(ex, ex.status, 0);
        ex.cancelResponseTimer();
        ex.leaveInFlight();
        exchange = null;
        ex.upstreamHandler.unbind();
        ex.upstream.config().setAutoRead(true);
        // released within the reader's decode loop: a connection with bytes past this response is closed, or they would be the next one's
        ex.pool.release(ex.upstreamAddress, ex.upstream, ex.requestComplete && ex.upstreamKeepAlive && ex.upstreamHandler.reusable());
        if (!ex.responseKeepAlive) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (ex.requestComplete) {
            nextRequest();
        } else {
            state = State.DISCARDING_BODY; // the upstream answered early; drop the rest of the body
            updateReading();
        }
    }

    /**
     * Fails the current exchange with an error if none of its response went to the client yet (a
     * head still held back is dropped), else cuts the response.
     */
    private void failOrClose(int status, String error) {
        Exchange ex = exchange;
        if (ex != null) {
            if (ex.clientHeardResponse()) {
                cut(ex); // observed with the status the client already got
                return;
            }
            ex.bytesOut = 0; // what was held back never goes
            FullHttpResponse response = ErrorResponses.error(ctx.alloc(), status, error, ex.target.name(), ex.upstreamAddress.getPort());
            log.exchange(ex, status, response.content().readableBytes());
            abandon(ex);
            respondAndClose(response);
            return;
        }
        FullHttpResponse response = ErrorResponses.error(ctx.alloc(), status, error, null, null);
        log.refused(status, response.content().readableBytes());
        respondAndClose(response);
    }

    /** {@code ex}'s response started and cannot end as it should: the client's connection is reset, not closed. */
    private void cut(Exchange ex) {
        abandon(ex);
        AbortiveClose.reset(ctx);
    }

    /** Drops the exchange: its upstream connection is closed, never reused. */
    private void abandon(Exchange ex) {
        // no final response reached the client unless one started: 499, the client went away first
        log.exchange(ex, ex.responseStarted ? ex.status : 499, 0);
        ex.releasePending();
        ex.cancelResponseTimer();
        ex.cancelRequestTimer();
        ex.leaveInFlight();
        if (exchange == ex) {
            exchange = null;
        }
        if (ex.upstream != null) {
            ex.upstreamHandler.unbind();
            ex.upstream.close();
        }
    }

    private void respond(FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response);
        state = State.DISCARDING_BODY; // until the request's last content, then the next request
        updateReading();
    }

    /** Sends a final error and ends the connection ({@link LingeringClose}): what still arrives is dropped. */
    private void respondAndClose(FullHttpResponse response) {
        state = State.DISCARDING_BODY;
        closing = true;
        LingeringClose.send(ctx, response);
    }

    private void nextRequest() {
        state = State.IDLE;
        headerTimeout.expectHead();
        updateReading();
        replaying = true;
        try {
            while (!deferred.isEmpty() && !mustDefer(deferred.peek())) {
                channelRead(ctx, deferred.poll());
            }
        } finally {
            replaying = false;
        }
        updateReading();
    }

    /** The machine agreed to the WebSocket upgrade; the client's 101 head waits in {@code ex}'s pending bytes. */
    private void startTunnel(Exchange ex) {
        ByteBuf switching = ex.pendingOut;
        ex.pendingOut = null;
        log.exchange(ex, 101, 0);
        state = State.TUNNEL;
        ex.leaveInFlight();
        exchange = null;
        ingress.pools().connector().bindRoute(ex.route, ex.upstream); // the tunnel ends with its route, not only its machine
        WebSocketTunnel.splice(bytes.codecContext(), ex.upstream, switching, this, ingress.config().webSocketIdleTimeout());
    }

    /**
     * Reads from the client unless the upstream cannot take more body or too much input is
     * already waiting its turn. Between exchanges reading stays on, so a keep-alive request
     * costs no epoll changes; pipelined requests wait in {@link #deferred}, bounded.
     */
    private void updateReading() {
        if (state == State.TUNNEL) {
            return;
        }
        Exchange ex = exchange;
        boolean upstreamFull = state == State.SENDING_BODY && ex != null && ex.upstream != null && !ex.upstream.isWritable();
        boolean backlog = deferred.full();
        ctx.channel().config().setAutoRead(!upstreamFull && !backlog); // reads at once when switched back on
    }

    private ForwardingHeaders.Client client() {
        if (client == null) {
            client = Admission.client(ingress, ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null); // null in EmbeddedChannel
        }
        return client;
    }
}

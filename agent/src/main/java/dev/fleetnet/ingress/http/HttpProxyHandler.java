package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.core.H2cConnections;
import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.ingress.core.ReusableBuffer;
import dev.fleetnet.routing.MachineEntry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the HTTP ingress: resolves each request to a machine, streams
 * it to a pooled upstream connection on the same event loop and streams the response back,
 * reading from one side only while the other can take more. One exchange at a time;
 * pipelined requests wait their turn. Threading: everything runs on the channel's loop.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private enum State { IDLE, CONNECTING, SENDING_BODY, AWAITING_RESPONSE, DISCARDING_BODY, TUNNEL }

    private final IngressContext ingress;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange exchange;
    private H2cStreams h2cStreams;
    /** The current exchange's deadlines; made when the handler is added. */
    private ExchangeDeadlines deadlines;
    /** Messages decoded ahead of their turn: body parts while connecting, pipelined requests. */
    private final DeferredInput deferred = new DeferredInput();
    /** The client's address for the observer; made on first use. */
    private String clientText;
    private UpstreamPool pool;
    /** The last upstream address, made from a machine's address literal (its host string). */
    private InetSocketAddress lastUpstream;
    /** The machine address {@link #lastUpstream} was made from (its host string would be formatted again on each call). */
    private String lastUpstreamHost;
    /** The client as forwarding headers name it; made on first use. */
    private ForwardingHeaders.Client client;
    private final RouteMemo routeMemo = new RouteMemo();
    /** The header-read clock in front of the decoder; looked up on first use. */
    private HeaderReadTimeoutHandler headerTimeout;
    private boolean replaying;
    /** A final response went out; everything still arriving is dropped until the close. */
    private boolean closing;
    private static final java.time.Duration LINGER = java.time.Duration.ofSeconds(2);
    /** A body part this small is copied behind what waits to be written: one buffer, one write. */
    private static final int COPY_LIMIT = 2048;
    private static final byte[] LAST_CHUNK = ClientHead.ascii("0\r\n\r\n");
    /**
     * The client side's HTTP/1.1 codec and its context: a machine's HTTP/1.1 response is written
     * to the client as bytes from there, around the encoder. Null on an HTTP/2 stream, which takes
     * netty's HTTP objects ({@link LeanToObjects}).
     */
    private Http1ServerCodec.Encoder codec;
    private ChannelHandlerContext codecCtx;
    /** This ingress's Via member, "1.1 {proxy name}", as bytes; made on first use. */
    private byte[] viaHop;

    HttpProxyHandler(IngressContext ingress) {
        this.ingress = ingress;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.codecCtx = ctx.pipeline().context(Http1ServerCodec.Encoder.class);
        this.codec = codecCtx == null ? null : (Http1ServerCodec.Encoder) codecCtx.handler();
        this.deadlines = new ExchangeDeadlines(ctx.executor(), ingress.config().requestTimeout(),
                ingress.config().upstreamResponseTimeout(), new ExchangeDeadlines.Expiry() {
                    @Override
                    public Exchange current() {
                        return exchange;
                    }

                    @Override
                    public void requestTimedOut() {
                        failOrClose(408, "request body not received within " + ingress.config().requestTimeout().toSeconds() + " s");
                    }

                    @Override
                    public void responseTimedOut() {
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
        timeoutHandler().headReceived();
        long startNanos = System.nanoTime();
        // as the client sent them: admission rewrites the head of a forwarded request
        String uri = request.uri();
        String host = request.headers().get(HttpHeaderNames.HOST);
        String version = request.protocolVersion().text();
        // Read before admission: it strips the client's Connection header and makes the request HTTP/1.1 for the upstream.
        boolean clientKeepAlive = HttpUtil.isKeepAlive(request);
        boolean acceptsTrailers = ForwardingHeaders.acceptsTrailers(request.headers()); // TE is hop-by-hop: gone after admission
        switch (Admission.decide(request, ingress, client(), routeMemo, ctx.alloc())) {
            case Admission.Answer answer -> {
                ingress.observer().request(new IngressObserver.RequestRecord(System.currentTimeMillis(), clientText(), host,
                        request.method().name(), uri, RouteLabels.answered(ingress.table(), host, uri), "",
                        answer.response().status().code(), 0, answer.response().content().readableBytes(),
                        System.nanoTime() - startNanos, 0, version));
                if (answer.close()) {
                    respondAndClose(answer.response());
                } else {
                    respond(answer.response(), clientKeepAlive);
                }
            }
            case Admission.Admit admit -> {
                if (admit.h2c() && acceptsTrailers) {
                    request.headers().set(HttpHeaderNames.TE, "trailers"); // over HTTP/2 it says so end to end (gRPC asks for it)
                }
                forward(request, admit, clientKeepAlive, startNanos, uri, host, version);
            }
            case Admission.TakeOver takeOver -> {
                // logged as it is taken over (101); the site logs what happens after
                ingress.observer().request(new IngressObserver.RequestRecord(System.currentTimeMillis(), clientText(), host,
                        request.method().name(), uri, IngressObserver.RouteLabel.NONE, "", 101, 0, 0, System.nanoTime() - startNanos,
                        0, version));
                handOver(request, takeOver);
            }
        }
    }

    /** The pooled HTTP/1.1 connections of this connection's event loop. */
    private UpstreamPool pool() {
        if (pool == null) {
            pool = ingress.pools().on(ctx.channel().eventLoop());
        }
        return pool;
    }

    /**
     * The socket address of {@code machine}'s {@code port}: the last one is kept, as a keep-alive
     * connection mostly goes on to the same machine (a literal address: parsed, never looked up).
     */
    private InetSocketAddress upstreamAddress(MachineEntry machine, int port) {
        InetSocketAddress last = lastUpstream;
        if (last == null || last.getPort() != port || !machine.address().equals(lastUpstreamHost)) {
            last = new InetSocketAddress(machine.address(), port);
            lastUpstream = last;
            lastUpstreamHost = machine.address();
        }
        return last;
    }

    /** This connection's HTTP/2 streams to h2c machines, made on the first request that needs one. */
    private H2cStreams h2cStreams() {
        if (h2cStreams == null) {
            h2cStreams = new H2cStreams(ctx.channel(), new H2cConnections(ctx.channel(), ingress.pools().connector(),
                    ingress.config().maxHeaderBytes()));
        }
        return h2cStreams;
    }

    /**
     * The connection leaves the proxy for the ingress's own site (the console's WebSocket): its
     * handler takes this proxy's place and gets the request and whatever was read after it. The
     * site keeps its own timeouts; the header and idle timers of HTTP requests go.
     */
    private void handOver(HttpRequest request, Admission.TakeOver takeOver) {
        io.netty.channel.ChannelPipeline p = ctx.pipeline();
        p.remove(HeaderReadTimeoutHandler.class);
        if (p.get(HttpIngressInitializer.IDLE) != null) {
            p.remove(HttpIngressInitializer.IDLE);
        }
        p.addAfter(ctx.name(), null, takeOver.handler());
        ctx.fireChannelRead(request);
        while (!deferred.isEmpty()) {
            ctx.fireChannelRead(deferred.poll());
        }
        p.remove(this);
    }

    private void forward(HttpRequest request, Admission.Admit admit, boolean clientKeepAlive, long startNanos, String uri,
            String host, String version) {
        if (admit.expectContinue()) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        UpstreamSource pool = admit.h2c() ? h2cStreams() : pool();
        Exchange ex = new Exchange(request, clientKeepAlive, admit.target(), upstreamAddress(admit.target(), admit.port()),
                admit.maxBody(), admit.webSocket(), pool);
        ex.startNanos = startNanos;
        ex.startMillis = System.currentTimeMillis();
        ex.uri = uri;
        ex.host = host;
        ex.version = version;
        ex.route = admit.route();
        ex.bodiless = bodiless(request);
        if (admit.h2c() || !ex.bodiless) {
            admit.forwarding().addTo(request.headers()); // netty's encoder, or HTTP/2 frames, take it from there
        } else {
            ex.forwarding = admit.forwarding();
        }
        exchange = ex;
        if (admit.h2c() && admit.webSocket()) {
            ex.inFlight = ingress.outstanding().started(admit.target().name()); // failOrClose ends what it started
            failOrClose(501, "WebSocket is not available on this route: its machine speaks HTTP/2 (h2c) only");
            return;
        }
        deadlines.requestStarted(ex, startNanos);
        ex.inFlight = ingress.outstanding().started(admit.target().name());
        state = State.CONNECTING;
        Channel ready = pool.pollIdle(ex.upstreamAddress);
        if (ready != null) {
            upstreamReady(ex, ready, startNanos); // at once: the clock read for the head will do
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
                ex.bodyBytes += content.content().readableBytes();
                if (ex.maxBody > 0 && ex.bodyBytes > ex.maxBody) {
                    content.release();
                    failOrClose(413, "request body too large (limit " + ex.maxBody + " bytes)");
                    return;
                }
                if (ex.sentWhole) {
                    content.release(); // the empty end of a request without a body: it went out with the head
                } else {
                    ex.upstream.write(content, ex.upstream.voidPromise());
                }
                if (last) {
                    ex.requestComplete = true;
                    ex.cancelRequestTimer();
                    if (!ex.sentWhole) { // else flushed with the head
                        ex.upstream.flush();
                    }
                    state = State.AWAITING_RESPONSE;
                    // a request without a body was all in when it went out with its head
                    deadlines.awaitingResponse(ex, ex.sentWhole ? ex.upstreamSentNanos : System.nanoTime());
                } else if (!ex.upstream.isWritable()) {
                    ex.upstream.flush();
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

    /** True when {@code request} has no body (RFC 9112 6.3: neither Transfer-Encoding nor a Content-Length above 0). */
    private static boolean bodiless(HttpRequest request) {
        return !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.getContentLength(request, 0L) == 0;
    }

    /** {@code upstream} is {@code ex}'s to send on: the head, then whatever body arrived meanwhile. */
    /** {@code nowNanos}: System.nanoTime() of the moment (the request goes out with it). */
    private void upstreamReady(Exchange ex, Channel upstream, long nowNanos) {
        MachineEntry now = ingress.table().machine(ex.target.name());
        if (now == null || !now.running() || !now.address().equals(ex.target.address())) {
            ex.pool.release(ex.upstreamAddress, upstream, true);
            failOrClose(503, "machine not running");
            return;
        }
        ex.upstream = upstream;
        // a client that cannot read chunks (HTTP/1.0, or netty's objects on an HTTP/2 stream) gets a chunked body's data alone
        UpstreamHandler handler = UpstreamHandler.of(upstream);
        ex.upstreamHandler = handler;
        handler.bind(this, HttpMethod.HEAD.equals(ex.request.method()),
                codecCtx == null || !HttpVersion.HTTP_1_1.text().equals(ex.version));
        upstream.config().setAutoRead(true);
        ex.sentWhole = ex.bodiless; // then it goes to the machine as one message
        // a failed write closes the connection: onUpstreamClosed
        if (ex.forwarding != null) { // bodiless, to a pooled HTTP/1.1 connection: the head as bytes
            ByteBuf head = handler.headBuffer();
            RequestHead.write(ex.request, ex.forwarding, head);
            handler.writeAroundEncoder(head);
        } else {
            upstream.write(ex.sentWhole ? new DefaultFullHttpRequest(ex.request.protocolVersion(), ex.request.method(),
                    ex.request.uri(), Unpooled.EMPTY_BUFFER, ex.request.headers(), EmptyHttpHeaders.INSTANCE) : ex.request,
                    upstream.voidPromise());
        }
        ex.upstreamSentNanos = nowNanos;
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
        if (!(msg instanceof HttpObject)) { // a pooled HTTP/1.1 connection's response, read from its bytes
            if (msg instanceof ResponseReader.Invalid invalid) {
                failOrClose(502, "invalid response from upstream: " + invalid.reason());
                return;
            }
            if (codecCtx != null) {
                onResponsePart(ex, msg);
                return;
            }
            msg = ex.objects().next(msg);
            if (msg == null) {
                return;
            }
        }
        if (ex.skippingInterim) { // the empty end of an interim (1xx) response
            ex.skippingInterim = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                failOrClose(502, "invalid response from upstream");
                return;
            }
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 100/102/103 are interim: the final response is still to come. 101 unasked for is a protocol switch
                // the ingress did not agree to.
                ReferenceCountUtil.release(msg);
                if (response.status().code() == 101) {
                    failOrClose(502, "upstream switched protocols without being asked");
                    return;
                }
                ex.skippingInterim = !(msg instanceof LastHttpContent);
                return;
            }
            ex.cancelResponseTimer();
            ex.status = response.status().code();
            ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
            ex.startResponse(response, msg instanceof LastHttpContent, ingress.config().proxyName());
            if (!(msg instanceof HttpContent)) {
                ex.pendingHead = response; // goes out with its body if that is in the same read: one message, one write
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            ex.bytesOut += content.content().readableBytes();
            HttpResponse head = ex.pendingHead;
            ex.pendingHead = null;
            // a failed write reaches exceptionCaught, which closes
            if (head != null && last) {
                LastHttpContent end = (LastHttpContent) content;
                ctx.write(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), end.content(), head.headers(),
                        end.trailingHeaders()), ctx.voidPromise()); // the body's buffer changes hands: not released here
            } else {
                if (head != null) {
                    ctx.write(head, ctx.voidPromise());
                }
                ctx.write(content, ctx.voidPromise());
            }
            if (last) {
                ctx.flush();
                completeExchange(ex);
            } else if (!ctx.channel().isWritable()) {
                ctx.flush();
                // flush() may already have drained it (and fired the writable event): check again.
                if (!ctx.channel().isWritable()) {
                    ex.upstream.config().setAutoRead(false);
                }
            }
        } else if (msg instanceof ByteBuf) {
            ReferenceCountUtil.release(msg);
        }
    }

    void onUpstreamReadComplete() {
        Exchange ex = exchange;
        if (ex != null && ex.pendingHead != null) { // the body comes with a later read: the head goes now
            ctx.write(ex.pendingHead, ctx.voidPromise());
            ex.pendingHead = null;
        }
        if (ex != null) {
            writePending(ex);
        }
        ctx.flush();
    }

    /** One part of a machine's HTTP/1.1 response, for a client on this connection's HTTP/1.1 codec. */
    private void onResponsePart(Exchange ex, Object msg) {
        if (msg instanceof ByteBuf body) {
            responseBody(ex, body);
        } else if (msg instanceof ResponseHead head) {
            responseHead(ex, head);
        } else if (msg == ResponseReader.END) {
            if (ex.framing == ClientHead.Framing.MAKE_CHUNKS) {
                pending(ex, LAST_CHUNK.length).writeBytes(LAST_CHUNK);
            }
            writePending(ex);
            ctx.flush();
            completeExchange(ex);
        } else if (msg instanceof ResponseReader.Trailers trailers) {
            trailers.lines().release(); // a dechunked body's (HTTP/1.0 client): its trailers have no place to go
        }
    }

    private void responseHead(Exchange ex, ResponseHead head) {
        int status = head.status();
        if (status == 101) {
            if (!ex.webSocket) {
                failOrClose(502, "upstream switched protocols without being asked");
                return;
            }
            ex.cancelResponseTimer();
            ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
            ByteBuf out = ctx.alloc().ioBuffer(256);
            ClientHead.write(head, ClientHead.Framing.NONE, ClientHead.Connection.UPGRADE_WEBSOCKET, true, viaHop(), out);
            startTunnel(ex, out);
            return;
        }
        if (status < 200) {
            return; // 100/102/103 are interim: the final response is still to come
        }
        ex.cancelResponseTimer();
        ex.status = status;
        ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
        ex.responseStarted = true;
        boolean http11 = HttpVersion.HTTP_1_1.text().equals(ex.version);
        boolean keepAlive = ex.clientKeepAlive;
        boolean untilUpstreamCloses = false;
        ClientHead.Framing framing;
        if (HttpMethod.HEAD.equals(ex.request.method()) || status == 204 || status == 304) {
            framing = ClientHead.Framing.NONE;
        } else if (head.chunked()) {
            framing = http11 ? ClientHead.Framing.CHUNKED : ClientHead.Framing.UNTIL_CLOSE; // dechunked for HTTP/1.0 (RFC 9112 6.1)
            keepAlive &= http11;
        } else if (head.contentLength() >= 0) {
            framing = ClientHead.Framing.LENGTH;
        } else {
            untilUpstreamCloses = true;
            framing = http11 && keepAlive ? ClientHead.Framing.MAKE_CHUNKS : ClientHead.Framing.UNTIL_CLOSE;
            keepAlive &= framing == ClientHead.Framing.MAKE_CHUNKS;
        }
        ex.framing = framing;
        ex.upstreamKeepAlive = head.keepAlive() && !untilUpstreamCloses;
        ex.responseKeepAlive = keepAlive;
        ClientHead.Connection connection = !keepAlive ? ClientHead.Connection.CLOSE
                : http11 ? ClientHead.Connection.NONE : ClientHead.Connection.KEEP_ALIVE;
        ByteBuf out = pending(ex, 512);
        ClientHead.write(head, framing, connection, http11, viaHop(), out);
        codec.answeredAround();
    }

    private void responseBody(Exchange ex, ByteBuf body) {
        int n = body.readableBytes();
        ex.bytesOut += n;
        boolean chunk = ex.framing == ClientHead.Framing.MAKE_CHUNKS;
        if (n == 0) {
            body.release();
            return;
        }
        if (chunk) {
            ClientHead.chunkLine(n, pending(ex, 16));
        }
        if (ex.pendingOut != null && n <= COPY_LIMIT) {
            ex.pendingOut.writeBytes(body);
            body.release();
        } else {
            writePending(ex);
            codecCtx.write(body, codecCtx.voidPromise()); // a failed write reaches exceptionCaught, which closes
        }
        if (chunk) {
            ClientHead.crlf(pending(ex, 2));
        }
        if (!ctx.channel().isWritable()) {
            writePending(ex);
            ctx.flush();
            // flush() may already have drained it (and fired the writable event): check again.
            if (!ctx.channel().isWritable()) {
                ex.upstream.config().setAutoRead(false);
            }
        }
    }

    /** The buffer of what goes to the client next, made with room for {@code bytes} if there is none. */
    private ByteBuf pending(Exchange ex, int bytes) {
        if (ex.pendingOut == null) {
            ex.pendingOut = ReusableBuffer.WRITES.take(ctx.alloc(), bytes);
        }
        return ex.pendingOut;
    }

    private void writePending(Exchange ex) {
        ByteBuf out = ex.pendingOut;
        if (out != null) {
            ex.pendingOut = null;
            codecCtx.write(out, codecCtx.voidPromise());
        }
    }

    private byte[] viaHop() {
        if (viaHop == null) {
            viaHop = ClientHead.ascii("1.1 " + ingress.config().proxyName());
        }
        return viaHop;
    }

    void onUpstreamWritabilityChanged() {
        updateReading();
    }

    void onUpstreamClosed() {
        Exchange ex = exchange;
        if (ex == null) {
            return;
        }
        if (ex.responseStarted) {
            abandon(ex);
            ctx.close();
        } else {
            failOrClose(502, "upstream closed the connection before responding");
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
            ingress.observer().request(new IngressObserver.RequestRecord(System.currentTimeMillis(), clientText(), null, "", "",
                    IngressObserver.RouteLabel.NONE, "", 431, 0, tooLarge.content().readableBytes(), 0, 0, "HTTP/1.1"));
            respondAndClose(tooLarge);
            return;
        }
        ctx.close();
    }

    private void completeExchange(Exchange ex) {
        observe(ex, ex.status, 0);
        ex.cancelResponseTimer();
        ex.leaveInFlight();
        exchange = null;
        ex.upstreamHandler.unbind();
        ex.upstream.config().setAutoRead(true);
        ex.pool.release(ex.upstreamAddress, ex.upstream, ex.requestComplete && ex.upstreamKeepAlive);
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

    /** Fails the current exchange with an error if nothing was sent to the client yet, else closes. */
    private void failOrClose(int status, String error) {
        Exchange ex = exchange;
        if (ex != null) {
            if (ex.responseStarted) {
                abandon(ex); // observed with the status the client already got
                ctx.close();
                return;
            }
            FullHttpResponse response = ErrorResponses.error(ctx.alloc(), status, error, ex.target.name(), ex.upstreamAddress.getPort());
            observe(ex, status, response.content().readableBytes());
            abandon(ex);
            respondAndClose(response);
            return;
        }
        FullHttpResponse response = ErrorResponses.error(ctx.alloc(), status, error, null, null);
        ingress.observer().request(new IngressObserver.RequestRecord(System.currentTimeMillis(), clientText(), null, "", "",
                IngressObserver.RouteLabel.NONE, "", status, 0, response.content().readableBytes(), 0, 0, "HTTP/1.1"));
        respondAndClose(response);
    }

    /** Drops the exchange: its upstream connection is closed, never reused. */
    private void abandon(Exchange ex) {
        // no final response reached the client unless one started: 499, the client went away first
        observe(ex, ex.responseStarted ? ex.status : 499, 0);
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

    /**
     * Sends a final error and ends the connection with a lingering close: our side is shut
     * down, and what the client still sends is read and dropped for a bounded time, so the
     * kernel does not answer unread data with a reset that could destroy the response.
     */
    private void respondAndClose(FullHttpResponse response) {
        state = State.DISCARDING_BODY;
        closing = true;
        HttpUtil.setKeepAlive(response, false);
        if (!(ctx.channel() instanceof DuplexChannel duplex)) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().config().setAutoRead(true);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            duplex.shutdownOutput();
            ctx.executor().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void nextRequest() {
        state = State.IDLE;
        timeoutHandler().expectHead();
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

    /** The machine agreed to the WebSocket upgrade; {@code switching} is the client's 101 head. */
    private void startTunnel(Exchange ex, ByteBuf switching) {
        observe(ex, 101, 0);
        state = State.TUNNEL;
        ex.leaveInFlight();
        exchange = null;
        ingress.pools().connector().bindRoute(ex.route, ex.upstream); // the tunnel ends with its route, not only its machine
        WebSocketTunnel.splice(codecCtx, ex.upstream, switching, this, ingress.config().webSocketIdleTimeout());
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

    /** Tells the observer how {@code ex} ended, once. */
    private void observe(Exchange ex, int status, long extraBytesOut) {
        if (ex.observed) {
            return;
        }
        ex.observed = true;
        ingress.observer().request(new IngressObserver.RequestRecord(ex.startMillis, clientText(), ex.host, ex.request.method().name(),
                ex.uri, ex.route, ex.target.name(), status, ex.bodyBytes, ex.bytesOut + extraBytesOut,
                System.nanoTime() - ex.startNanos, ex.upstreamNanos, ex.version));
    }

    /** The client's address as text, made once per connection. */
    private String clientText() {
        if (clientText == null) {
            // IPv6 in its canonical short form (RFC 5952), as operators grep for it
            clientText = !(ctx.channel().remoteAddress() instanceof InetSocketAddress a) ? ""
                    : a.getAddress().getAddress().length == 16 ? dev.fleetnet.core.Ipv6.format(a.getAddress().getAddress())
                    : a.getAddress().getHostAddress();
        }
        return clientText;
    }

    private HeaderReadTimeoutHandler timeoutHandler() {
        if (headerTimeout == null) {
            headerTimeout = ctx.pipeline().get(HeaderReadTimeoutHandler.class);
        }
        return headerTimeout;
    }

    private ForwardingHeaders.Client client() {
        if (client == null) {
            client = Admission.client(ingress, ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null); // null in EmbeddedChannel
        }
        return client;
    }
}

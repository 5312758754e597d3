package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.MachineEntry;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;

/** One request/response of a client connection, through one upstream connection. Loop-confined. */
final class Exchange {
    final HttpRequest request;
    final MachineEntry target;
    final InetSocketAddress upstreamAddress;
    final long maxBody;
    final boolean clientKeepAlive;
    final boolean webSocket;
    final UpstreamPool pool;
    Channel upstream;
    long bodyBytes;
    boolean requestComplete;
    boolean responseStarted;
    boolean responseKeepAlive;
    boolean upstreamKeepAlive;
    /** An interim (1xx) response was dropped; its empty last content is still to come. */
    boolean skippingInterim;
    ScheduledFuture<?> responseTimer;
    /** Whole-request deadline: from the head to the last body byte. */
    ScheduledFuture<?> requestTimer;

    Exchange(HttpRequest request, MachineEntry target, int port, long maxBody, boolean webSocket, UpstreamPool pool) {
        this.request = request;
        this.target = target;
        this.upstreamAddress = new InetSocketAddress(target.address(), port); // a literal: no lookup
        this.maxBody = maxBody;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.webSocket = webSocket;
        this.pool = pool;
    }

    void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }
}

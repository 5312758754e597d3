package dev.fleetnet.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A machine's response as netty's HTTP objects (from an h2c stream, or read as bytes and turned
 * into objects for an HTTP/2 client), relayed to the client through the proxy's context: interim
 * (1xx) responses dropped, the final head readied for the client ({@link Exchange#startResponse})
 * and held back until its body's first part or the read's end, so that a small response is one
 * write, and reading from the machine paused while the client cannot take more. Threading: the
 * client's loop.
 */
final class ObjectResponseRelay {
    private final ChannelHandlerContext ctx;
    private final String proxyName;

    /** {@code ctx}: the proxy's context on the client connection. */
    ObjectResponseRelay(ChannelHandlerContext ctx, String proxyName) {
        this.ctx = ctx;
        this.proxyName = proxyName;
    }

    /** Relays one of netty's HTTP objects of {@code ex}'s response. */
    ResponseStep relay(Exchange ex, Object msg) {
        if (ex.skippingInterim) { // the empty end of an interim (1xx) response
            ex.skippingInterim = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return ResponseStep.MORE;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                return ResponseStep.INVALID;
            }
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 100/102/103 are interim: the final response is still to come. 101 unasked for is a protocol switch
                // the ingress did not agree to.
                ReferenceCountUtil.release(msg);
                if (response.status().code() == 101) {
                    return ResponseStep.UNASKED_SWITCH;
                }
                ex.skippingInterim = !(msg instanceof LastHttpContent);
                return ResponseStep.MORE;
            }
            ex.cancelResponseTimer();
            ex.status = response.status().code();
            ex.upstreamNanos = System.nanoTime() - ex.upstreamSentNanos;
            ex.startResponse(response, msg instanceof LastHttpContent, proxyName);
            if (!(msg instanceof HttpContent)) {
                ex.pendingHead = response; // goes out with its body if that is in the same read: one message, one write
                return ResponseStep.MORE;
            }
        }
        if (msg instanceof HttpContent content) {
            return content(ex, content);
        }
        if (msg instanceof ByteBuf) {
            ReferenceCountUtil.release(msg);
        }
        return ResponseStep.MORE;
    }

    /** The machine's read ended: a head still held back goes now (unflushed), its body comes with a later read. */
    void readComplete(Exchange ex) {
        if (ex.pendingHead != null) {
            ctx.write(ex.pendingHead, ctx.voidPromise());
            ex.pendingHead = null;
        }
    }

    private ResponseStep content(Exchange ex, HttpContent content) {
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
            return ResponseStep.COMPLETE;
        }
        if (!ctx.channel().isWritable()) {
            ctx.flush();
            // flush() may already have drained it (and fired the writable event): check again.
            if (!ctx.channel().isWritable()) {
                ex.upstream.config().setAutoRead(false);
            }
        }
        return ResponseStep.MORE;
    }
}

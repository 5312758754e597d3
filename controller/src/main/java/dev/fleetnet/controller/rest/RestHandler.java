package dev.fleetnet.controller.rest;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.fleetnet.controller.auth.ApiAuthInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Serves one REST request by calling the public API's gRPC method through the controller's
 * in-process channel, with the caller's {@code Authorization} header passed on: the same
 * interceptor authorises it and the same service validates it, so refusals and messages are the
 * gRPC ones, as an HTTP status and {@code {"error": ..., "code": ...}}. One request at a time per
 * connection (reading pauses until the answer is written), so pipelined answers keep their order.
 */
final class RestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final long CALL_TIMEOUT_SECONDS = 30;
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence();

    private final RestRoutes routes;
    private final Channel api;
    private final byte[] openApi;

    RestHandler(RestRoutes routes, Channel api, byte[] openApi) {
        this.routes = routes;
        this.api = api;
        this.openApi = openApi;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, false, error(400, Status.Code.INVALID_ARGUMENT, "malformed HTTP request: " + request.decoderResult().cause()));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String method = request.method().name();
        if (uri.rawPath().equals("/openapi.yaml") && (method.equals("GET") || method.equals("HEAD"))) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(openApi));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/yaml");
            respond(ctx, keepAlive, response);
            return;
        }
        switch (routes.match(method, uri.rawPath())) {
            case RestRoutes.Match.NotFound n -> respond(ctx, keepAlive, error(404, Status.Code.NOT_FOUND,
                    "no such path: " + method + " " + uri.rawPath() + " (expected: a path of /openapi.yaml)"));
            case RestRoutes.Match.MethodNotAllowed m -> {
                FullHttpResponse response = error(405, Status.Code.UNIMPLEMENTED, "method " + method + " on " + uri.rawPath()
                        + " (expected: " + String.join(" or ", m.allowed()) + ")");
                response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", m.allowed()));
                respond(ctx, keepAlive, response);
            }
            case RestRoutes.Match.Found found -> {
                Message grpcRequest;
                try {
                    grpcRequest = RestRequests.build(found.route(), found.pathParameters(), uri.parameters(),
                            request.content().toString(StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    respond(ctx, keepAlive, error(400, Status.Code.INVALID_ARGUMENT, e.getMessage()));
                    return;
                }
                call(ctx, keepAlive, found.route(), grpcRequest, request.headers().get(HttpHeaderNames.AUTHORIZATION));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void call(ChannelHandlerContext ctx, boolean keepAlive, RestRoute route, Message grpcRequest, String authorization) {
        Metadata headers = new Metadata();
        if (authorization != null) {
            headers.put(ApiAuthInterceptor.AUTHORIZATION, authorization);
        }
        Channel channel = ClientInterceptors.intercept(api, MetadataUtils.newAttachHeadersInterceptor(headers));
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) route.grpcMethod();
        ctx.channel().config().setAutoRead(false); // the next request waits for this answer
        ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)),
                grpcRequest, new StreamObserver<>() {
                    @Override
                    public void onNext(Message response) {
                        FullHttpResponse http;
                        try {
                            http = json(200, PRINTER.print(response));
                        } catch (InvalidProtocolBufferException e) {
                            http = error(500, Status.Code.INTERNAL, "cannot print the answer as JSON: " + e.getMessage());
                        }
                        respond(ctx, keepAlive, http);
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status status = t instanceof StatusRuntimeException s ? s.getStatus() : Status.fromThrowable(t);
                        String description = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
                        FullHttpResponse http = error(HttpStatuses.of(status.getCode()), status.getCode(), description);
                        if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                            http.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"fleetnet\"");
                        }
                        respond(ctx, keepAlive, http);
                    }

                    @Override
                    public void onCompleted() {}
                });
    }

    static FullHttpResponse error(int status, Status.Code code, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", message);
        body.addProperty("code", code.name());
        return json(status, body.toString());
    }

    private static FullHttpResponse json(int status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return response;
    }

    private static void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener(keepAlive ? (ChannelFutureListener) f -> {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        } : ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a TLS or decoding failure of this connection: nothing to answer on it
    }
}

package dev.fleetnet.ingress.http;

import dev.fleetnet.ingress.tls.AcmeChallenges;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.IngressTable;
import dev.fleetnet.routing.RouteSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * What the cleartext listener answers itself before routing: ACME HTTP-01 challenges on every
 * hostname (never forwarded: 404 unless the token is pending for that very hostname), then
 * {@code 308} to {@code https://} for requests under a route with {@code redirect_https}.
 */
final class CleartextAnswers {
    private CleartextAnswers() {}

    /**
     * The ingress's own response, or null when the request is routed as usual; {@code host}: the
     * request's hostname as {@link Hostnames#fromHostHeader} gives it (null when there is none),
     * {@code table}: the routes the request is decided by.
     */
    static FullHttpResponse answer(HttpMethod method, String host, String target, IngressContext ingress, IngressTable table,
            ByteBufAllocator alloc) {
        if (target.startsWith(AcmeChallenges.PATH_PREFIX)) {
            String token = target.substring(AcmeChallenges.PATH_PREFIX.length());
            boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
            String keyAuthorization = read ? ingress.certificates().current().challenges().keyAuthorization(token, host).orElse(null)
                    : null;
            if (keyAuthorization == null) {
                return ErrorResponses.error(alloc, 404, "no pending ACME challenge for this token and hostname", null, null);
            }
            return text(alloc, keyAuthorization, method.equals(HttpMethod.HEAD));
        }
        RouteSpec route = host == null ? null : table.explicitRoute(host, pathOf(target));
        if (route != null && route.redirectHttps()) {
            FullHttpResponse redirect = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT,
                    alloc.buffer(0));
            // the Host's port is the cleartext one: the redirect goes to the default HTTPS port
            String authority = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            redirect.headers().set(HttpHeaderNames.LOCATION, "https://" + authority + target)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            return redirect;
        }
        return null;
    }

    private static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static FullHttpResponse text(ByteBufAllocator alloc, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        ByteBuf content = head ? alloc.buffer(0) : alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }
}

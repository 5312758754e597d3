package dev.fleetnet.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client run from a test namespace: sends each argument after the URL, prints each
 * reply. {@code -Dws.host=NAME} sends that Host header (with {@code -Djdk.httpclient.allowRestrictedHeaders=host}).
 */
public final class WsProbe {
    private WsProbe() {}

    public static void main(String[] args) throws Exception {
        for (int i = 1; i < args.length; i++) {
            CompletableFuture<String> reply = new CompletableFuture<>();
            WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
            String host = System.getProperty("ws.host");
            if (host != null) {
                builder.header("Host", host);
            }
            WebSocket ws = builder.buildAsync(URI.create(args[0]), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    reply.complete(data.toString());
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            ws.sendText(args[i], true);
            System.out.println(reply.get(10, TimeUnit.SECONDS));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }
}

package dev.fleetnet.controller.acme;

import static dev.fleetnet.controller.store.Keys.bytes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeChallenge;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands for the agents' ingress in tests: answers {@code GET /.well-known/acme-challenge/{token}}
 * on loopback only from what etcd holds at {@code acme/challenges/{token}}; 404 for hosts told to fail.
 */
final class EtcdChallengeServer implements AutoCloseable {
    private static final String PATH = "/.well-known/acme-challenge/";
    private final HttpServer server;
    private final Client client;
    private volatile Keys keys;
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Runs with the hostname of each request before it is answered (a test changing etcd mid-order). */
    private volatile java.util.function.Consumer<String> beforeAnswer = host -> { };
    /** Every request as "host token status". */
    final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();

    EtcdChallengeServer(Client client) throws IOException {
        this.client = client;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    void keys(Keys keys) {
        this.keys = keys;
    }

    void fail(String hostname) {
        failing.add(hostname);
    }

    void answer(String hostname) {
        failing.remove(hostname);
    }

    void beforeAnswer(java.util.function.Consumer<String> action) {
        this.beforeAnswer = action;
    }

    long requestsFor(String hostname) {
        return requests.stream().filter(r -> r.startsWith(hostname + " ")).count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host")).replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        String path = exchange.getRequestURI().getPath();
        String token = path.startsWith(PATH) ? path.substring(PATH.length()) : null;
        beforeAnswer.accept(host);
        String body = null;
        if (token != null && !token.isEmpty() && !token.contains("/") && !failing.contains(host) && keys != null) {
            try {
                List<KeyValue> kvs = client.getKVClient().get(bytes(keys.acmeChallenge(token))).get(10, TimeUnit.SECONDS).getKvs();
                if (!kvs.isEmpty()) {
                    body = AcmeChallenge.parseFrom(kvs.get(0).getValue().getBytes()).getKeyAuthorization();
                }
            } catch (Exception e) {
                body = null;
            }
        }
        int status = body == null ? 404 : 200;
        requests.add(host + " " + token + " " + status);
        byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

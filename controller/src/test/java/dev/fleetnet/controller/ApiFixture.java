package dev.fleetnet.controller;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.CreateApiTokenRequest;
import dev.fleetnet.routing.IngressNaming;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real controller on a real etcd for the public API's tests: its admin token (from the file its
 * first start wrote), a read-only token, a gRPC client and an HTTPS client that trust its API CA,
 * and etcd's revision to prove a refusal wrote nothing.
 */
public final class ApiFixture implements AutoCloseable {
    public static final String HOST_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    public final EtcdProcess etcd;
    public final Path dir;
    public final Controller controller;
    public final Client etcdClient;
    public final String admin;
    public final String readOnly;
    public final HttpClient http;
    public final String prefix;

    private ApiFixture(EtcdProcess etcd, Path dir, Controller controller, Client etcdClient, String admin, String readOnly,
            HttpClient http, String prefix) {
        this.etcd = etcd;
        this.dir = dir;
        this.controller = controller;
        this.etcdClient = etcdClient;
        this.admin = admin;
        this.readOnly = readOnly;
        this.http = http;
        this.prefix = prefix;
    }

    /** etcd, a controller with key prefix {@code prefix} and hosts h1..h3 joined. */
    public static ApiFixture start(String prefix) throws Exception {
        EtcdProcess etcd = EtcdProcess.start();
        Path dir = Files.createTempDirectory("fleetnet-api-it-");
        Controller controller = null;
        try {
            controller = Controller.start(config(etcd, dir.resolve("controller"), prefix));
            Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
            FleetStore store = new FleetStore(etcdClient, new Keys(prefix));
            for (String h : List.of("h1", "h2", "h3")) {
                store.joinHost(h, HOST_KEY, "[fd01::" + h.substring(1) + "]:51820");
            }
            String admin = Files.readString(controller.adminTokenFile().orElseThrow()).strip();
            ApiFixture partial = new ApiFixture(etcd, dir, controller, etcdClient, admin, null, null, prefix);
            String readOnly;
            try (FleetClient client = partial.grpc(admin)) {
                readOnly = client.tokens().createToken(CreateApiTokenRequest.newBuilder().setName("reader").setReadOnly(true).build())
                        .getSecret();
            }
            HttpClient http = HttpClient.newBuilder().sslContext(trusting(Files.readString(controller.apiCaFile().orElseThrow())))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            return new ApiFixture(etcd, dir, controller, etcdClient, admin, readOnly, http, prefix);
        } catch (Exception | Error e) {
            if (controller != null) {
                controller.close();
            }
            etcd.close();
            throw e;
        }
    }

    public static ControllerConfig config(EtcdProcess etcd, Path dataDir, String prefix) {
        return new ControllerConfig(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), null,
                List.of(), List.of(etcd.endpoint()), dataDir, prefix, new IngressNaming("fleet.test", 8080));
    }

    /** A gRPC client of the controller, with {@code token} (null: none), trusting its API CA. */
    public FleetClient grpc(String token) {
        return FleetClient.connect(new ApiEndpoint("127.0.0.1:" + controller.apiAddress().getPort(),
                ApiEndpoint.of("x", controller.apiCaFile().orElseThrow(), null).caPem(), token));
    }

    public URI rest(String pathAndQuery) {
        return URI.create("https://127.0.0.1:" + controller.restAddress().orElseThrow().getPort() + pathAndQuery);
    }

    /** Sends {@code method pathAndQuery} with {@code body} (null: none) and {@code token} (null: none). */
    public HttpResponse<String> send(String method, String pathAndQuery, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(rest(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** etcd's current revision: unchanged after a refused call means nothing was written. */
    public long revision() throws Exception {
        return etcdClient.getKVClient().get(ByteSequence.from("/", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
                .getHeader().getRevision();
    }

    static SSLContext trusting(String caPem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("api-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Override
    public void close() throws Exception {
        try {
            controller.close();
            etcdClient.close();
        } finally {
            etcd.close();
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}

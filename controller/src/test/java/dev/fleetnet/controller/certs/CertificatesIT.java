package dev.fleetnet.controller.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.controller.view.HostViews;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.DeleteCertificateRequest;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.ListCertificatesRequest;
import dev.fleetnet.proto.v1.ListCertificatesResponse;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.routing.CertificateKeys;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certificates against a real etcd: one fleet CA however many controllers start, fleet
 * certificates following routes and uploads into etcd and views, uploads refused without a
 * write, listings without keys.
 */
class CertificatesIT {
    private static final CertificateSource FLEET = CertificateSource.CERTIFICATE_SOURCE_FLEET;
    private static final CertificateSource UPLOADED = CertificateSource.CERTIFICATE_SOURCE_UPLOADED;
    private static EtcdProcess etcd;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        etcd.close();
    }

    private static long revision() throws Exception {
        return client.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static <T> T await(String what, Supplier<T> value, java.util.function.Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        T last = value.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
            }
            Thread.sleep(50); // polling interval
            last = value.get();
        }
        return last;
    }

    @Test
    void controllersStartingTogetherEndWithOneCa() throws Exception {
        CertificateStore store = new CertificateStore(client, new Keys("/ca-race/"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<FleetCa>> starts = pool.invokeAll(java.util.Collections.nCopies(4,
                    (Callable<FleetCa>) () -> FleetCa.loadOrCreate(store, Clock.systemUTC())));
            String first = starts.get(0).get().certificatePem();
            for (Future<FleetCa> start : starts) {
                assertThat(start.get().certificatePem()).isEqualTo(first);
            }
            assertThat(store.fleetCa().getCertificateChainPem()).isEqualTo(first);
            assertThat(FleetCa.loadOrCreate(store, Clock.systemUTC()).certificatePem()).as("a later start loads it").isEqualTo(first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fleetCertificatesFollowRoutesAndUploads() throws Exception {
        Keys keys = new Keys("/certs-it/");
        FleetStore fleet = new FleetStore(client, keys);
        fleet.ensureDefaultNetwork();
        fleet.joinHost("h1", "key1", "[fd01::1]:51820");
        fleet.joinHost("h2", "key2", "[fd01::2]:51820");
        fleet.createMachine(Machine.newBuilder().setName("web").setHost("h1").setNetwork("default").setBackend(Backend.BACKEND_NETNS)
                .setDesiredState(MachineState.MACHINE_STATE_RUNNING).addPorts(8080).build());
        CertificateStore certs = new CertificateStore(client, keys);
        FleetCa ca = FleetCa.loadOrCreate(certs, Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new CertificateApi(certs, ca, Clock.systemUTC())).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        CertificateServiceGrpc.CertificateServiceBlockingStub api = CertificateServiceGrpc.newBlockingStub(channel);
        try (FleetWatcher watcher = new FleetWatcher(client, keys);
                FleetCertificates manager = new FleetCertificates(certs, fleet.routes(), ca,
                        new FleetCertificates.Config("fleet.internal", Duration.ofHours(1), Clock.systemUTC()))) {
            watcher.start();
            manager.start(watcher);
            await("the suffix wildcard", () -> certs.get(FLEET, "*.fleet.internal"), s -> s != null);

            // a route -> a fleet certificate in etcd and in every host's view, verifying against the CA alone
            fleet.routes().add(Route.newBuilder().setHostname("Shop.Example.com").setMachine("web").setPort(8080).build());
            CertificateStore.Stored issued = await("a fleet certificate for the route", () -> certs.get(FLEET, "shop.example.com"),
                    s -> s != null);
            FleetCaTest.verifies(ca.certificate(), Pem.certificates(issued.certificate().getCertificateChainPem()), java.time.Instant.now());
            for (String host : List.of("h1", "h2")) {
                await("the fleet certificate in " + host + "'s view", () -> keysIn(HostViews.compute(watcher.current(), host, "fleet.internal")),
                        k -> k.contains("fleet/shop.example.com") && k.contains("fleet/*.fleet.internal"));
            }

            // an upload for that hostname -> the fleet one is deleted, the upload is in views
            TestCertificates.Issued upload = TestCertificates.selfSigned(TestCertificates.ec(), "shop.example.com");
            CertificateInfo added = api.addCertificate(AddCertificateRequest.newBuilder().setHostname("shop.example.com")
                    .setCertificateChainPem(upload.pem()).setPrivateKeyPem(upload.keyPem()).build());
            assertThat(added.getSource()).isEqualTo(UPLOADED);
            assertThat(added.getSha256Fingerprint()).isEqualTo(CertificateFacts.fingerprint(upload.certificate()));
            await("the fleet certificate gone", () -> certs.get(FLEET, "shop.example.com"), s -> s == null);
            List<String> viewKeys = await("the upload in the view", () -> keysIn(HostViews.compute(watcher.current(), "h2", "fleet.internal")),
                    k -> k.contains("uploaded/shop.example.com") && !k.contains("fleet/shop.example.com"));
            assertThat(viewKeys).containsExactly("fleet/*.fleet.internal", "uploaded/shop.example.com");

            // listing: every source, no key material; the hostname filter
            ListCertificatesResponse all = api.listCertificates(ListCertificatesRequest.getDefaultInstance());
            assertThat(all.getCertificatesList()).extracting(c -> CertificateKeys.key(c.getSource(), c.getHostname()))
                    .containsExactly("fleet/*.fleet.internal", "uploaded/shop.example.com");
            assertThat(all.toString() + JsonFormat.printer().print(all) + new String(all.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain("PRIVATE KEY");
            assertThat(api.listCertificates(ListCertificatesRequest.newBuilder().setHostname("SHOP.example.com").build())
                    .getCertificatesList()).extracting(CertificateInfo::getSource).containsExactly(UPLOADED);
            assertThat(all.getAcmeFailuresList()).isEmpty();
            // failing ACME orders are listed with the backoff in force
            new dev.fleetnet.controller.acme.AcmeFailureStore(client.getKVClient(), keys).claim("bad.example.com", null,
                    java.time.Instant.ofEpochSecond(1_800_000_000L), dev.fleetnet.controller.acme.AcmeNames.Backoff.DEFAULT);
            assertThat(api.listCertificates(ListCertificatesRequest.newBuilder().setHostname("bad.example.com").build())
                    .getAcmeFailuresList()).singleElement().satisfies(f -> {
                        assertThat(f.getCount()).isEqualTo(1);
                        assertThat(f.getNextAttemptEpochMillis()).isEqualTo(1_800_000_060_000L);
                        assertThat(f.getLastError()).startsWith("attempt under way since");
                    });
            assertThat(api.listCertificates(ListCertificatesRequest.newBuilder().setHostname("shop.example.com").build())
                    .getAcmeFailuresList()).isEmpty();

            // a refused upload writes nothing
            long before = revision();
            TestCertificates.Issued other = TestCertificates.selfSigned(TestCertificates.ec(), "other.example.com");
            assertThatThrownBy(() -> api.addCertificate(AddCertificateRequest.newBuilder().setHostname("shop.example.com")
                    .setCertificateChainPem(other.pem()).setPrivateKeyPem(other.keyPem()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith(
                                "hostname: 'shop.example.com' is not covered by the certificate's names [other.example.com]");
                    });
            assertThatThrownBy(() -> api.addCertificate(AddCertificateRequest.newBuilder().setHostname("shop.example.com")
                    .setCertificateChainPem(upload.pem()).setPrivateKeyPem(other.keyPem()).build()))
                    .hasMessageContaining("INVALID_ARGUMENT: private key: does not match the certificate's public key");
            TestCertificates.Issued aCa = TestCertificates.caWithNames(TestCertificates.ec(), null, "shop.example.com");
            assertThatThrownBy(() -> api.addCertificate(AddCertificateRequest.newBuilder().setHostname("shop.example.com")
                    .setCertificateChainPem(aCa.pem()).setPrivateKeyPem(aCa.keyPem()).build()))
                    .hasMessageContaining("INVALID_ARGUMENT: certificate 'CN=shop.example.com': a CA certificate");
            assertThat(revision()).as("etcd revision: nothing written").isEqualTo(before);

            // an upload for a name no route holds is kept, but its key reaches no host until an HTTP route holds the name
            TestCertificates.Issued later = TestCertificates.selfSigned(TestCertificates.ec(), "later.example.com");
            api.addCertificate(AddCertificateRequest.newBuilder().setHostname("later.example.com")
                    .setCertificateChainPem(later.pem()).setPrivateKeyPem(later.keyPem()).build());
            await("the unrouted upload in the fleet snapshot", () -> watcher.current().certificates().keySet(),
                    k -> k.contains("uploaded/later.example.com"));
            assertThat(HostViews.compute(watcher.current(), "h1", "fleet.internal").toString()).doesNotContain(later.keyPem().strip());
            fleet.routes().add(Route.newBuilder().setHostname("later.example.com").setMachine("web").setPort(8080).build());
            await("the upload in the view with its route", () -> keysIn(HostViews.compute(watcher.current(), "h1", "fleet.internal")),
                    k -> k.contains("uploaded/later.example.com"));
            fleet.routes().delete("later.example.com", "/");
            await("the upload out of the view with its route", () -> keysIn(HostViews.compute(watcher.current(), "h1", "fleet.internal")),
                    k -> !k.contains("uploaded/later.example.com"));
            api.deleteCertificate(DeleteCertificateRequest.newBuilder().setHostname("later.example.com").build());

            // deleting the upload brings the fleet one back; deleting it again is NOT_FOUND with the hostname
            api.deleteCertificate(DeleteCertificateRequest.newBuilder().setHostname("shop.example.com").build());
            CertificateStore.Stored back = await("the fleet certificate back", () -> certs.get(FLEET, "shop.example.com"), s -> s != null);
            assertThat(back.certificate().getInfo().getSha256Fingerprint()).isNotEqualTo(issued.certificate().getInfo().getSha256Fingerprint());
            await("the fleet certificate back in the view", () -> keysIn(HostViews.compute(watcher.current(), "h1", "fleet.internal")),
                    k -> k.equals(List.of("fleet/*.fleet.internal", "fleet/shop.example.com")));
            assertThatThrownBy(() -> api.deleteCertificate(DeleteCertificateRequest.newBuilder().setHostname("shop.example.com").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).startsWith("hostname: 'shop.example.com' has no uploaded certificate");
                    });

            // idempotent: another reconcile of the same state plans and writes nothing
            long settled = revision();
            assertThat(manager.reconcileNow().isEmpty()).isTrue();
            assertThat(revision()).isEqualTo(settled);

            // the route gone -> its fleet certificate goes, the suffix wildcard stays
            fleet.routes().delete("shop.example.com", "/");
            await("the fleet certificate deleted with its route", () -> certs.get(FLEET, "shop.example.com"), s -> s == null);
            assertThat(certs.get(FLEET, "*.fleet.internal")).isNotNull();

            // ACME challenges (written by the ACME issuer) reach every view and leave with their key
            AcmeChallenge challenge = AcmeChallenge.newBuilder().setToken("tok-1").setKeyAuthorization("tok-1.thumb")
                    .setHostname("shop.example.com").build();
            client.getKVClient().put(Keys.bytes(keys.acmeChallenge("tok-1")), ByteSequence.from(challenge.toByteArray())).get(10, TimeUnit.SECONDS);
            await("the challenge in the view", () -> HostViews.compute(watcher.current(), "h2", "fleet.internal").getAcmeChallengesList(),
                    l -> l.equals(List.of(challenge)));
            client.getKVClient().delete(Keys.bytes(keys.acmeChallenge("tok-1"))).get(10, TimeUnit.SECONDS);
            await("the challenge gone", () -> HostViews.compute(watcher.current(), "h2", "fleet.internal").getAcmeChallengesList(), List::isEmpty);

            assertThat(api.getFleetCa(GetFleetCaRequest.getDefaultInstance()).getCertificatePem()).isEqualTo(ca.certificatePem())
                    .startsWith("-----BEGIN CERTIFICATE-----").doesNotContain("PRIVATE KEY");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private static List<String> keysIn(HostView view) {
        return view.getCertificatesList().stream().map(CertificateKeys::key).toList();
    }

}

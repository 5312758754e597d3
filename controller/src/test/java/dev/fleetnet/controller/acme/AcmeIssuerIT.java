package dev.fleetnet.controller.acme;

import static dev.fleetnet.controller.store.Keys.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.controller.acme.AcmeNames.Action;
import dev.fleetnet.controller.acme.AcmeNames.Backoff;
import dev.fleetnet.controller.SettableClock;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.AcmeFailures;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.Route;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;

/**
 * ACME against a real pebble that really validates HTTP-01 against a loopback server answering
 * only from etcd's {@code acme/challenges/} (standing for the agents' ingress).
 */
class AcmeIssuerIT {
    private static EtcdProcess etcd;
    private static Client client;
    private static EtcdChallengeServer ingress;
    private static PebbleProcess pebble;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        ingress = new EtcdChallengeServer(client);
        pebble = PebbleProcess.start(ingress.port());
    }

    @AfterAll
    static void stop() throws Exception {
        try (AutoCloseable e = etcd; AutoCloseable c = client; AutoCloseable i = ingress; AutoCloseable p = pebble) {
            // closed in reverse order, each even when another fails
        }
    }

    /** A per-test key prefix and name label, so tests and runs never see each other's state. */
    private record Run(Keys keys, String label) {
        String name(String first) {
            return first + "." + label + ".test";
        }
    }

    private static Run run() {
        String label = "r" + UUID.randomUUID().toString().substring(0, 8);
        Run run = new Run(new Keys("/acme-it-" + label + "/"), label);
        ingress.keys(run.keys());
        return run;
    }

    private static AcmeConfig.Builder config() {
        return AcmeConfig.builder(pebble.directory()).trustedRoots(List.of(pebble.tlsCertificate()))
                .checkInterval(Duration.ofSeconds(1)).orderTimeout(Duration.ofSeconds(30));
    }

    private static AcmeService service(Run run, AcmeConfig config) {
        return service(run, config, java.time.Clock.systemUTC());
    }

    private static AcmeService service(Run run, AcmeConfig config, java.time.Clock clock) {
        AcmeService service = new AcmeService(client, run.keys(), "fleet.test", config, clock);
        service.start();
        return service;
    }

    private static void awaitChecks(Duration timeout, long more, AcmeService... services) throws Exception {
        long[] from = java.util.Arrays.stream(services).mapToLong(AcmeService::checks).toArray();
        await(more + " more checks by " + services.length + " controller(s)", timeout,
                () -> java.util.stream.IntStream.range(0, services.length).allMatch(i -> services[i].checks() >= from[i] + more));
    }

    private static void putRoute(Run run, String hostname) throws Exception {
        Route route = Route.newBuilder().setHostname(hostname).setPathPrefix("/").setMachine("web").setPort(8080).setOwner("web").build();
        client.getKVClient().put(bytes(run.keys().route(hostname + "/")), io.etcd.jetcd.ByteSequence.from(route.toByteArray()))
                .get(10, TimeUnit.SECONDS);
    }

    private static Certificate acmeCertificate(Run run, String hostname) {
        return new AcmeStore(client, run.keys()).certificate(hostname);
    }

    private static long challengeKeys(Run run) throws Exception {
        return client.getKVClient().get(bytes(run.keys().acmeChallenges()), GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS).getCount();
    }

    /** The names of every order pebble holds for this run's account: what reached the CA, not what the controller says. */
    private static List<String> pebbleOrders(Run run) throws Exception {
        AcmeConfig config = config().build();
        Login login = new AccountBuilder().onlyExisting().useKeyPair(new AcmeStore(client, run.keys()).accountKey())
                .createLogin(AcmeIssuer.session(config));
        List<String> names = new ArrayList<>();
        for (Iterator<Order> orders = login.getAccount().getOrders(); orders.hasNext(); ) {
            for (Identifier id : orders.next().getIdentifiers()) {
                names.add(id.getDomain());
            }
        }
        return names;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; pebble log:\n" + pebble.log());
            }
            Thread.sleep(50); // polling interval
        }
    }

    private static List<X509Certificate> chain(Certificate certificate) throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(
                new ByteArrayInputStream(certificate.getCertificateChainPem().getBytes(StandardCharsets.US_ASCII)))) {
            chain.add((X509Certificate) c);
        }
        return chain;
    }

    @Test
    void ordersRouteHostnamesOnlyAndDeletesWhenTheRouteGoes() throws Exception {
        Run run = run();
        String shop = run.name("shop");
        putRoute(run, shop);
        putRoute(run, "*." + run.label() + ".test"); // wildcard: HTTP-01 cannot, never ordered
        putRoute(run, "web." + run.label() + ".fleet.test"); // under the ingress suffix: the fleet CA's
        String uploaded = run.name("uploaded");
        putRoute(run, uploaded);
        String coveredByWildcard = run.name("covered.wild"); // the upload for *.wild.{label}.test covers it: never ordered either
        putRoute(run, coveredByWildcard);
        AcmeStore uploads = new AcmeStore(client, run.keys());
        for (String name : List.of(uploaded, run.name("*.wild"))) {
            uploads.putCertificate(Certificate.newBuilder().setHostname(name).setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED)
                    .setInfo(CertificateInfo.newBuilder().setHostname(name).setSource(CertificateSource.CERTIFICATE_SOURCE_UPLOADED)
                            .setNotAfterEpochSeconds(Instant.now().plus(Duration.ofDays(60)).getEpochSecond())).build());
        }
        try (AcmeService service = service(run, config().build())) {
            await("a certificate for " + shop, Duration.ofSeconds(60), () -> acmeCertificate(run, shop) != null);
            Certificate certificate = acmeCertificate(run, shop);
            List<X509Certificate> chain = chain(certificate);
            PKIXParameters pkix = new PKIXParameters(Set.of(new TrustAnchor(pebble.issuingRoot(), null)));
            pkix.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), pkix);
            assertThat(dev.fleetnet.controller.certs.CertificateFacts.dnsNames(chain.get(0))).containsExactly(shop);
            assertThat(certificate.getInfo().getNamesList()).containsExactly(shop);
            assertThat(certificate.getInfo().getKeyType()).isEqualTo("EC P-256");
            assertThat(certificate.getInfo().getSha256Fingerprint()).isEqualTo(dev.fleetnet.controller.certs.CertificateFacts.fingerprint(chain.get(0)));
            assertThat(certificate.getInfo().getNotAfterEpochSeconds()).isEqualTo(chain.get(0).getNotAfter().toInstant().getEpochSecond());
            assertKeyMatches(certificate, chain.get(0));
            assertThat(challengeKeys(run)).isZero();
            assertThat(ingress.requestsFor(shop)).isPositive(); // pebble really asked the "ingress"

            long checks = service.checks();
            await("two more checks", Duration.ofSeconds(30), () -> service.checks() >= checks + 2);
            assertThat(pebbleOrders(run)).containsExactly(shop);
            assertThat(service.lastPlan().decision(shop).action()).isEqualTo(Action.NOTHING);
            assertThat(acmeCertificate(run, uploaded)).isNull();
            assertThat(acmeCertificate(run, coveredByWildcard)).isNull();

            client.getKVClient().delete(bytes(run.keys().route(shop + "/"))).get(10, TimeUnit.SECONDS);
            await("the certificate of " + shop + " deleted", Duration.ofSeconds(30), () -> acmeCertificate(run, shop) == null);
        }
    }

    @Test
    void aNameWhoseRouteGoesWhileAnEarlierNameIsOrderedIsNeverOrdered() throws Exception {
        Run run = run();
        String first = run.name("a-first");
        String second = run.name("b-second"); // planned in the same check, ordered after first
        putRoute(run, first);
        putRoute(run, second);
        AtomicBoolean deleted = new AtomicBoolean();
        ingress.beforeAnswer(host -> {
            if (host.equals(first) && deleted.compareAndSet(false, true)) { // the CA validates first: the second's route goes now
                try {
                    client.getKVClient().delete(bytes(run.keys().route(second + "/"))).get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try (AcmeService service = service(run, config().build())) {
            await("a certificate for " + first, Duration.ofSeconds(60), () -> acmeCertificate(run, first) != null);
            long checks = service.checks();
            await("two more checks", Duration.ofSeconds(30), () -> service.checks() >= checks + 2);
            assertThat(deleted).isTrue();
            assertThat(pebbleOrders(run)).as("what reached the CA").containsExactly(first);
            assertThat(acmeCertificate(run, second)).isNull();
        } finally {
            ingress.beforeAnswer(host -> { });
        }
    }

    private static void assertKeyMatches(Certificate certificate, X509Certificate leaf) throws Exception {
        String base64 = certificate.getPrivateKeyPem().replace("-----BEGIN PRIVATE KEY-----", "")
                .replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        Signature sign = Signature.getInstance("SHA256withECDSA");
        sign.initSign(key);
        sign.update(new byte[] {1, 2, 3});
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(leaf.getPublicKey());
        verify.update(new byte[] {1, 2, 3});
        assertThat(verify.verify(signature)).as("private key matches the leaf").isTrue();
    }

    @Test
    void renewsWhenRemainingValidityIsBelowRenewBefore() throws Exception {
        Run run = run();
        String shop = run.name("shop");
        putRoute(run, shop);
        // pebble issues for 5 years: renewing 10 years before expiry makes every check renew
        try (AcmeService service = service(run, config().renewBefore(Duration.ofDays(3650)).checkInterval(Duration.ofHours(1)).build())) {
            await("a first certificate", Duration.ofSeconds(60), () -> acmeCertificate(run, shop) != null);
            String first = acmeCertificate(run, shop).getInfo().getSha256Fingerprint();
            assertThat(service.lastPlan().decision(shop).action()).isEqualTo(Action.ORDER);
            service.wake();
            await("a renewed certificate", Duration.ofSeconds(60),
                    () -> !acmeCertificate(run, shop).getInfo().getSha256Fingerprint().equals(first));
            assertThat(service.lastPlan().decision(shop).action()).isEqualTo(Action.RENEW);
            assertThat(pebbleOrders(run)).containsExactly(shop, shop);
            assertThat(challengeKeys(run)).isZero();
        }
    }

    @Test
    void failedValidationBacksOffAndWritesNoCertificate() throws Exception {
        Run run = run();
        String bad = run.name("bad");
        ingress.fail(bad);
        putRoute(run, bad);
        try (AcmeService service = service(run, config().backoff(new Backoff(Duration.ofHours(1), Duration.ofHours(6))).build())) {
            await("a failed attempt", Duration.ofSeconds(60), () -> service.failures().containsKey(bad));
            long orders = pebble.ordersCreated();
            long checks = service.checks();
            await("three more checks", Duration.ofSeconds(30), () -> service.checks() >= checks + 3);
            // pebble lists no invalid orders per account: count what it created and what it validated instead
            assertThat(pebble.ordersCreated()).as("orders created by pebble since the failure").isEqualTo(orders);
            assertThat(ingress.requests.stream().filter(r -> r.startsWith(bad + " ")).map(r -> r.split(" ")[1]).distinct())
                    .as("challenges pebble validated for " + bad).hasSize(1);
            assertThat(ingress.requests).filteredOn(r -> r.startsWith(bad + " ")).allMatch(r -> r.endsWith(" 404"));
            AcmeNames.Failures failures = service.failures().get(bad);
            assertThat(failures.count()).isEqualTo(1);
            AcmeNames.Decision decision = service.lastPlan().decision(bad);
            assertThat(decision.action()).isEqualTo(Action.WAIT);
            assertThat(decision.at()).isEqualTo(failures.last().plus(Duration.ofHours(1)));
            assertThat(acmeCertificate(run, bad)).isNull();
            assertThat(challengeKeys(run)).isZero();
        }
    }

    @Test
    void aRestartedControllerAndASecondOneHonourTheStoredBackoff() throws Exception {
        Run run = run();
        String bad = run.name("bad");
        ingress.fail(bad);
        putRoute(run, bad);
        AcmeFailureStore stored = new AcmeFailureStore(client.getKVClient(), run.keys());
        SettableClock clock = new SettableClock(Instant.now());
        Duration window = Duration.ofHours(1);
        AcmeConfig config = config().backoff(new Backoff(window, Duration.ofHours(6))).build();
        try (AcmeService first = service(run, config, clock)) {
            await("a failure stored in etcd", Duration.ofSeconds(60),
                    () -> stored.all().containsKey(bad) && stored.all().get(bad).lastError().contains("404"));
        }
        AcmeNames.Failures failed = stored.all().get(bad);
        assertThat(failed.count()).isEqualTo(1);
        assertThat(failed.lastError()).contains("http-01 validation of " + bad + " ended INVALID");
        AcmeFailures shown = stored.list(bad).get(0);
        assertThat(shown.getCount()).isEqualTo(1);
        assertThat(Instant.ofEpochMilli(shown.getNextAttemptEpochMillis())).isEqualTo(failed.last().plus(window));
        long orders = pebble.ordersCreated();
        long validations = ingress.requestsFor(bad);

        // the first controller restarted, and another one beside it, on the same etcd
        try (AcmeService restarted = service(run, config, clock); AcmeService second = service(run, config, clock)) {
            awaitChecks(Duration.ofSeconds(30), 3, restarted, second);
            for (AcmeService service : List.of(restarted, second)) {
                assertThat(service.failures().get(bad)).isEqualTo(failed);
                assertThat(service.lastPlan().decision(bad)).isEqualTo(new AcmeNames.Decision(bad, Action.WAIT, failed.last().plus(window)));
            }
            // the route deleted and added again within the window: the backoff holds
            client.getKVClient().delete(bytes(run.keys().route(bad + "/"))).get(10, TimeUnit.SECONDS);
            awaitChecks(Duration.ofSeconds(30), 2, restarted, second);
            assertThat(restarted.lastPlan().decision(bad)).isNull();
            assertThat(stored.all().get(bad)).as("kept while its route is gone").isEqualTo(failed);
            putRoute(run, bad);
            awaitChecks(Duration.ofSeconds(30), 2, restarted, second);
            assertThat(restarted.lastPlan().decision(bad).action()).isEqualTo(Action.WAIT);
            assertThat(pebble.ordersCreated()).as("orders pebble created within the window").isEqualTo(orders);
            assertThat(ingress.requestsFor(bad)).as("validations pebble made within the window").isEqualTo(validations);

            // the window over: one attempt among both controllers, counted on from the first one's failure
            clock.now = failed.last().plus(window).plusSeconds(1);
            restarted.wake();
            second.wake();
            await("a second failure stored", Duration.ofSeconds(60),
                    () -> stored.all().get(bad).count() == 2 && stored.all().get(bad).lastError().contains("404"));
            awaitChecks(Duration.ofSeconds(30), 2, restarted, second);
            assertThat(stored.all().get(bad).count()).isEqualTo(2);
            assertThat(pebble.ordersCreated()).as("orders pebble created after the window").isEqualTo(orders + 1);
            assertThat(restarted.lastPlan().decision(bad).at()).isEqualTo(stored.all().get(bad).last().plus(window.multipliedBy(2)));

            // a success clears the record
            ingress.answer(bad);
            clock.now = stored.all().get(bad).last().plus(window.multipliedBy(2)).plusSeconds(1);
            restarted.wake();
            await("a certificate for " + bad, Duration.ofSeconds(60), () -> acmeCertificate(run, bad) != null);
            await("the failures cleared", Duration.ofSeconds(10), () -> stored.all().isEmpty());
        }
    }

    @Test
    void reusesTheAccountAfterARestart() throws Exception {
        Run run = run();
        String shop = run.name("shop");
        putRoute(run, shop);
        try (AcmeService service = service(run, config().build())) {
            await("a certificate", Duration.ofSeconds(60), () -> acmeCertificate(run, shop) != null);
        }
        String key = client.getKVClient().get(bytes(run.keys().acmeAccount())).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().toString(StandardCharsets.UTF_8);
        String other = run.name("other");
        putRoute(run, other);
        try (AcmeService service = service(run, config().build())) {
            await("a certificate for " + other, Duration.ofSeconds(60), () -> acmeCertificate(run, other) != null);
        }
        assertThat(client.getKVClient().get(bytes(run.keys().acmeAccount())).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().toString(StandardCharsets.UTF_8)).isEqualTo(key);
        assertThat(pebbleOrders(run)).containsExactlyInAnyOrder(shop, other); // both orders under the one account
    }
}

package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.core.OpenConnections;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.ingress.tls.ServerSslContexts;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.routing.IngressNaming;
import dev.fleetnet.ingress.core.IngressRoutes;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IngressWriterTest {
    private final IngressRoutes routes = IngressRoutes.empty(new IngressNaming("fleet.test", 8080));
    /** Address closed, and the thread that closed it. */
    private final List<String> closed = new CopyOnWriteArrayList<>();
    private final IngressWriter writer = new IngressWriter(new IngressUpdater(routes,
            new OpenConnections() {
                @Override
                public void closeAll(String address) {
                    closed.add(address + " on " + Thread.currentThread().getName());
                }

                @Override
                public void closeRoute(String protocol, String routeKey) {}
            }));

    @AfterEach
    void close() {
        writer.close();
    }

    private static HostView view(long revision, boolean webRunning) {
        return HostView.newBuilder().setRevision(revision).addDirectory(FleetMachine.newBuilder().setName("web")
                .setAddress("fdaa::1").setRunning(webRunning).addPorts(8080)).build();
    }

    private static boolean await(CompletableFuture<Boolean> applied) throws Exception {
        return applied.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anOlderViewSubmittedAfterANewerOneIsIgnored() throws Exception {
        CompletableFuture<Boolean> stop = writer.submit(view(8, false)); // at arrival: web stops
        CompletableFuture<Boolean> resync = writer.submit(view(7, true)); // a resync of the view before
        assertThat(await(stop)).isTrue();
        assertThat(await(resync)).as("older than revision 8").isFalse();
        assertThat(routes.current().machine("web").running()).isFalse();
        assertThat(await(writer.submit(view(8, false)))).as("the same view again, from the reconcile thread").isTrue();
        assertThat(await(writer.submit(view(9, true)))).isTrue();
        assertThat(routes.current().machine("web").running()).isTrue();
    }

    @Test
    void theTableIsWrittenOnTheIngressThread() throws Exception {
        await(writer.submit(view(1, true)));
        await(writer.submit(view(2, false)));
        assertThat(closed).containsExactly("fdaa::1 on ingress");
    }

    @Test
    void afterCloseASubmittedViewFailsInsteadOfThrowingAtTheCaller() {
        writer.close();
        assertThatThrownBy(() -> writer.submit(view(1, true)).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("ingress writer closed: view at revision 1 not applied");
    }

    @Test
    void challengesAndCertificatesAreSwappedWithTheViewAndAnOlderViewLeavesThem() throws Exception {
        CertificateStore certificates = new CertificateStore(ServerSslContexts.preferred());
        IngressWriter tls = new IngressWriter(new IngressUpdater(routes, OpenConnections.NONE), certificates);
        try {
            HostView newer = view(4, true).toBuilder().addAcmeChallenges(AcmeChallenge.newBuilder().setToken("t")
                    .setKeyAuthorization("t.k").setHostname("a.test")).build();
            assertThat(await(tls.submit(newer))).isTrue();
            assertThat(certificates.current().challenges().keyAuthorization("t", "a.test")).contains("t.k");
            assertThat(await(tls.submit(view(3, true)))).isFalse();
            assertThat(certificates.current().challenges().size()).as("kept: the older view was ignored").isEqualTo(1);
            assertThat(await(tls.submit(view(5, true)))).isTrue();
            assertThat(certificates.current().challenges().size()).isZero();
        } finally {
            tls.close();
        }
    }

    private static HostView withChallenge(HostView view, String token) {
        return view.toBuilder().addAcmeChallenges(AcmeChallenge.newBuilder().setToken(token).setKeyAuthorization(token + ".k")
                .setHostname("a.test")).build();
    }

    @Test
    void theTableIsSwappedWithoutWaitingForTheCertificatesAndTheViewCompletesOnlyOnceTheyAreSwapped() throws Exception {
        ExecutorService tlsThread = Executors.newSingleThreadExecutor();
        CountDownLatch building = new CountDownLatch(1);
        tlsThread.execute(() -> { // a TLS context build that takes its time
            try {
                building.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CertificateStore certificates = new CertificateStore(ServerSslContexts.preferred());
        CompletableFuture<Long> tableSwapped = new CompletableFuture<>();
        IngressWriter tls = new IngressWriter(new IngressUpdater(routes, OpenConnections.NONE), certificates, null,
                tableSwapped::complete, tlsThread);
        try {
            CompletableFuture<Boolean> served = tls.submit(withChallenge(view(6, false), "t"));
            assertThat(tableSwapped.get(10, TimeUnit.SECONDS)).isEqualTo(6);
            assertThat(routes.current().machine("web").running()).as("the table, while certificates are still building").isFalse();
            assertThat(served).as("its challenge is not served yet: the agent must not acknowledge the view").isNotDone();
            assertThat(certificates.current().challenges().size()).isZero();
            building.countDown();
            assertThat(await(served)).isTrue();
            assertThat(certificates.current().challenges().keyAuthorization("t", "a.test")).contains("t.k");
        } finally {
            building.countDown();
            tls.close();
        }
    }

    @Test
    void viewsQueuedBehindACertificateBuildCompleteWithTheNewestOne() throws Exception {
        ExecutorService tlsThread = Executors.newSingleThreadExecutor();
        CountDownLatch building = new CountDownLatch(1);
        tlsThread.execute(() -> {
            try {
                building.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CertificateStore certificates = new CertificateStore(ServerSslContexts.preferred());
        IngressWriter tls = new IngressWriter(new IngressUpdater(routes, OpenConnections.NONE), certificates, null,
                revision -> {}, tlsThread);
        try {
            CompletableFuture<Boolean> first = tls.submit(withChallenge(view(7, true), "a"));
            CompletableFuture<Boolean> second = tls.submit(withChallenge(view(8, true), "b"));
            CompletableFuture<Boolean> older = tls.submit(withChallenge(view(5, true), "c"));
            assertThat(await(older)).as("older than revision 8: ignored at once").isFalse();
            building.countDown();
            assertThat(await(first)).isTrue();
            assertThat(await(second)).isTrue();
            assertThat(certificates.current().challenges().size()).isEqualTo(1);
            assertThat(certificates.current().challenges().keyAuthorization("b", "a.test")).contains("b.k");
        } finally {
            building.countDown();
            tls.close();
        }
    }
}

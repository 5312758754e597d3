package dev.fleetnet.controller.certs;

import dev.fleetnet.controller.store.RouteStore;
import dev.fleetnet.controller.view.Fleet;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.routing.IngressViews;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of {@code certs/fleet/}: keeps a fleet-CA certificate for the suffix wildcard
 * and for each route hostname no other source covers (see {@link FleetCertificatePlan}). It
 * reconciles when routes or certificates change and on a periodic check, reading etcd afresh
 * each time and writing with compare-and-set, so a second run, or a second controller, finds
 * nothing to do. Threading: one owner thread ("fleet-certificates") does all of it.
 */
public final class FleetCertificates implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetCertificates.class);

    /** The ingress suffix ({@code fleet.internal}), how often to check for renewals, and the clock. */
    public record Config(String suffix, Duration checkEvery, Clock clock) {}

    /** What triggers a reconcile: route hostnames and certificate fingerprints, never keys. */
    private record Inputs(Set<String> hostnames, Map<String, String> certificates) {
        static Inputs of(Fleet fleet) {
            return new Inputs(fleet.routes().values().stream().filter(r -> !IngressViews.isStream(r)).map(Route::getHostname).collect(Collectors.toSet()),
                    fleet.certificates().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> e.getValue().getInfo().getSha256Fingerprint())));
        }
    }

    private final CertificateStore certificates;
    private final RouteStore routes;
    private final FleetCa ca;
    private final Config config;
    private final String caIssuer;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleet-certificates");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Inputs lastInputs;
    private Runnable unsubscribe = () -> {};

    public FleetCertificates(CertificateStore certificates, RouteStore routes, FleetCa ca, Config config) {
        this.certificates = certificates;
        this.routes = routes;
        this.ca = ca;
        this.config = config;
        this.caIssuer = ca.certificate().getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** Reconciles on every change of routes or certificates the watcher sees, and every {@code checkEvery}. */
    public void start(FleetWatcher watcher) {
        unsubscribe = watcher.subscribe(fleet -> {
            Inputs inputs = Inputs.of(fleet);
            if (!inputs.equals(lastInputs)) {
                lastInputs = inputs;
                request();
            }
        });
        long every = config.checkEvery().toMillis();
        loop.scheduleWithFixedDelay(this::request, every, every, TimeUnit.MILLISECONDS);
    }

    /** Queues a reconcile unless one is queued already (bursts of changes coalesce). */
    public void request() {
        if (queued.compareAndSet(false, true)) {
            loop.execute(() -> {
                queued.set(false);
                try {
                    reconcile();
                } catch (RuntimeException e) {
                    log.warn("fleet certificates: reconcile failed ({}); the next change or check retries", e.toString());
                }
            });
        }
    }

    /** Runs one reconcile on the owner thread and returns what it planned (for tests and operators). */
    public FleetCertificatePlan reconcileNow() throws Exception {
        return loop.submit(this::reconcile).get(60, TimeUnit.SECONDS);
    }

    private FleetCertificatePlan reconcile() {
        Instant now = config.clock().instant();
        List<String> hostnames = routes.list("").stream().filter(r -> !IngressViews.isStream(r)).map(Route::getHostname).distinct().toList();
        List<CertificateStore.Stored> stored = certificates.all();
        List<CertificateInfo> infos = stored.stream().map(s -> s.certificate().getInfo()).toList();
        FleetCertificatePlan plan = FleetCertificatePlan.compute(config.suffix(), hostnames, infos, caIssuer, now);
        Map<String, Long> fleetRevisions = stored.stream()
                .filter(s -> s.certificate().getSource() == CertificateSource.CERTIFICATE_SOURCE_FLEET)
                .collect(Collectors.toMap(s -> s.certificate().getHostname(), CertificateStore.Stored::modRevision));
        for (FleetCertificatePlan.Issue issue : plan.issue()) {
            Certificate issued = ca.issue(issue.hostname(), now);
            if (certificates.putIf(issued, fleetRevisions.getOrDefault(issue.hostname(), 0L))) {
                log.info("fleet certificate issued for {} ({}): sha256 {}, expires {}", issue.hostname(), issue.reason(),
                        issued.getInfo().getSha256Fingerprint(), Instant.ofEpochSecond(issued.getInfo().getNotAfterEpochSeconds()));
            } else {
                log.info("fleet certificate for {} changed meanwhile; not written, the next reconcile decides", issue.hostname());
            }
        }
        for (String host : plan.delete()) {
            CertificateStore.Stored gone = stored.stream().filter(s -> s.certificate().getSource() == CertificateSource.CERTIFICATE_SOURCE_FLEET
                    && s.certificate().getHostname().equals(host)).findFirst().orElseThrow();
            if (certificates.deleteIf(CertificateSource.CERTIFICATE_SOURCE_FLEET, host, gone.modRevision())) {
                log.info("fleet certificate deleted for {}: sha256 {}", host, gone.certificate().getInfo().getSha256Fingerprint());
            }
        }
        return plan;
    }

    @Override
    public void close() {
        unsubscribe.run();
        loop.shutdownNow();
    }
}

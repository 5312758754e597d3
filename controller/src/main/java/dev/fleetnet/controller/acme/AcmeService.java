package dev.fleetnet.controller.acme;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.acme.AcmeNames.Decision;
import dev.fleetnet.controller.acme.AcmeNames.Failures;
import dev.fleetnet.controller.acme.AcmeNames.Plan;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.CertificateInfo;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ACME certificates for route hostnames: on start, every check interval and whenever
 * routes change, plans with {@link AcmeNames} over etcd and orders one name at a time. Each
 * attempt is counted in etcd ({@link AcmeFailureStore}) before it is made and cleared when it
 * succeeds; the counts are read back at every check, so the backoff survives a restart (or a
 * crash during an order) and binds every controller on the same etcd.
 * Threading: one owner thread ("acme") does all of it.
 */
public final class AcmeService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcmeService.class);
    private final Client client;
    private final AcmeConfig config;
    private final AcmeStore store;
    private final AcmeFailureStore failureStore;
    private final AcmeIssuer issuer;
    private final AcmeNames names;
    private final Clock clock;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "acme");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private Watch.Watcher routeWatch; // acme thread only
    private volatile Plan lastPlan = new Plan(List.of(), List.of(), List.of());
    private volatile Map<String, Failures> lastFailures = Map.of();
    private volatile long checks;
    private volatile boolean closed;

    public AcmeService(Client client, Keys keys, String ingressSuffix, AcmeConfig config, Clock clock) {
        this.client = client;
        this.config = config;
        this.store = new AcmeStore(client, keys);
        this.failureStore = new AcmeFailureStore(client.getKVClient(), keys);
        this.issuer = new AcmeIssuer(config, store);
        this.names = new AcmeNames(ingressSuffix, config.renewBefore(), config.backoff());
        this.clock = clock;
    }

    public AcmeService(Client client, Keys keys, String ingressSuffix, AcmeConfig config) {
        this(client, keys, ingressSuffix, config, Clock.systemUTC());
    }

    /** Checks now, then every check interval and after every route change. */
    public void start() {
        loop.scheduleWithFixedDelay(this::check, 0, config.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
        log.info("acme: ordering certificates for route hostnames from {} (renew {} before expiry, check every {})",
                config.directory(), config.renewBefore(), config.checkInterval());
    }

    /** Asks for a check soon; wakes coalesce while one is queued. */
    public void wake() {
        if (!closed && wakePending.compareAndSet(false, true)) {
            try {
                loop.execute(this::check);
            } catch (RejectedExecutionException closing) {
                // closed meanwhile: no more checks
            }
        }
    }

    /** The plan of the last check: what was decided for each name (e.g. WAIT until when). */
    public Plan lastPlan() {
        return lastPlan;
    }

    /** Failed attempts per name as stored in etcd (by any controller), as of the last check. */
    public Map<String, Failures> failures() {
        return lastFailures;
    }

    /** How many checks have ended. */
    public long checks() {
        return checks;
    }

    private void check() {
        wakePending.set(false);
        if (closed) {
            return;
        }
        Map<String, Failures> failures = new TreeMap<>(); // acme thread only
        try {
            watchRoutes();
            failures.putAll(failureStore.all());
            Plan plan = names.plan(store.readState(), failures, clock.instant());
            lastPlan = plan;
            for (String hostname : plan.deletions()) {
                store.deleteCertificate(hostname);
                log.info("acme: deleted the certificate of {} (no route holds it any more)", hostname);
            }
            for (String hostname : plan.forgotten()) {
                if (failureStore.forget(hostname, failures.get(hostname))) {
                    failures.remove(hostname);
                    log.info("acme: forgot the failures of {} (no route wants it, last failure over {} ago)", hostname,
                            config.backoff().max());
                }
            }
            for (Decision decision : plan.decisions()) {
                switch (decision.action()) {
                    case ORDER, RENEW -> attemptIfStillDue(decision, failures);
                    case WAIT -> log.debug("acme: {} waits until {} after {} failed attempts", decision.hostname(), decision.at(),
                            failures.get(decision.hostname()).count());
                    case NOTHING -> { }
                }
            }
        } catch (RuntimeException e) {
            log.warn("acme: check failed, next in {}: {}", config.checkInterval(), e.getMessage());
        } finally {
            lastFailures = Map.copyOf(failures);
            checks++; // acme thread only writes
        }
    }

    /**
     * Plans the name again from etcd just before ordering it: a check orders one name after
     * another, and meanwhile its route may have gone, an upload may have come, or another
     * controller may have failed for it (its backoff binds here too) or succeeded.
     */
    private void attemptIfStillDue(Decision planned, Map<String, Failures> failures) {
        String hostname = planned.hostname();
        Map<String, Failures> stored = failureStore.all();
        Decision now = names.plan(store.readState(), stored, clock.instant()).decision(hostname);
        if (now == null || (now.action() != AcmeNames.Action.ORDER && now.action() != AcmeNames.Action.RENEW)) {
            log.info("acme: {} not ordered: {} since this check began", hostname, now == null
                    ? "its route went, or an upload came," : "it became " + now.action() + (now.at() == null ? "" : " until " + now.at()));
            if (stored.containsKey(hostname)) {
                failures.put(hostname, stored.get(hostname));
            }
            return;
        }
        Failures claimed = failureStore.claim(hostname, stored.get(hostname), clock.instant(), config.backoff());
        if (claimed == null) {
            log.info("acme: {} not ordered: another controller attempted it since this check began", hostname);
            return;
        }
        attempt(now, claimed, failures);
    }

    private void attempt(Decision decision, Failures claimed, Map<String, Failures> failures) {
        String hostname = decision.hostname();
        String verb = decision.action() == AcmeNames.Action.RENEW ? "renewed" : "ordered";
        try {
            CertificateInfo info = issuer.issue(hostname);
            failureStore.clear(hostname);
            failures.remove(hostname);
            log.info("acme: {} {} fingerprint {} valid until {}", verb, hostname, info.getSha256Fingerprint(),
                    Instant.ofEpochSecond(info.getNotAfterEpochSeconds()));
        } catch (AcmeIssuer.IssueException e) {
            Failures now = failureStore.failed(hostname, claimed, clock.instant(), e.getMessage(), config.backoff());
            failures.put(hostname, now);
            log.warn("acme: {} {} failed (attempt {}): {}; next attempt not before {}", verb.equals("renewed") ? "renewing" : "ordering",
                    hostname, now.count(), e.getMessage(), now.nextAttempt(config.backoff()));
        }
    }

    private void watchRoutes() {
        if (routeWatch != null) {
            return;
        }
        routeWatch = client.getWatchClient().watch(bytes(store.keys().routes()), WatchOption.builder().isPrefix(true).build(),
                Watch.listener(response -> wake(), error -> loop.execute(() -> {
                    log.warn("acme: route watch ended ({}); watching again at the next check", error.toString());
                    if (routeWatch != null) {
                        routeWatch.close();
                        routeWatch = null;
                    }
                })));
    }

    @Override
    public void close() {
        closed = true;
        loop.shutdown(); // an order under way may finish (and clean its challenges) for a while, then it is interrupted
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                loop.shutdownNow();
                loop.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (routeWatch != null) {
            routeWatch.close();
        }
    }
}

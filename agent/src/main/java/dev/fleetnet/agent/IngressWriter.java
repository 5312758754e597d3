package dev.fleetnet.agent;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.tcp.TcpIngress;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.routing.IngressViews;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of the ingress route table and of the served certificates: views submitted from the control stream (at
 * arrival) and from the reconcile thread (before the data plane changes) are applied in
 * submission order on the "ingress" thread, and a view older than the newest applied is ignored
 * ({@link ViewOrder}), so a resync of an older view never undoes a newer one.
 */
final class IngressWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngressWriter.class);
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "ingress"));
    /** Ingress thread only. */
    private final IngressUpdater updater;
    /** Swapped whole on the ingress thread; null when nothing is served over TLS. */
    private final CertificateStore certificates;
    /** Null without TCP routes' listeners; applied on the ingress thread after every view (retrying failed binds). */
    private final TcpIngress tcp;
    /** Ingress thread only. */
    private ViewOrder order = ViewOrder.NONE;
    private final java.util.function.LongConsumer applied;

    IngressWriter(IngressUpdater updater) {
        this(updater, null);
    }

    IngressWriter(IngressUpdater updater, CertificateStore certificates) {
        this(updater, certificates, null, revision -> {});
    }

    /**
     * {@code tcp} (unless null) binds and unbinds the TCP routes' listeners after every view;
     * {@code applied} is called on the ingress thread with the revision of every view applied (metrics).
     */
    IngressWriter(IngressUpdater updater, CertificateStore certificates, TcpIngress tcp, java.util.function.LongConsumer applied) {
        this.updater = updater;
        this.certificates = certificates;
        this.tcp = tcp;
        this.applied = applied;
    }

    /**
     * Queues {@code view} and returns at once; the future completes once the ingress thread has
     * applied it (true) or ignored it as older than one applied before (false). After
     * {@link #close()} the future fails.
     */
    CompletableFuture<Boolean> submit(HostView view) {
        try {
            return CompletableFuture.supplyAsync(() -> apply(view), thread);
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("ingress writer closed: view at revision "
                    + view.getRevision() + " not applied"));
        }
    }

    /** Ingress thread only. */
    private boolean apply(HostView view) {
        if (!order.admits(view.getRevision())) {
            log.debug("ingress: ignoring the view at revision {}, older than revision {} applied", view.getRevision(), order.newest());
            return false;
        }
        IngressUpdater.Changes changes;
        CertificateStore.Changes certs = CertificateStore.Changes.NONE;
        try {
            changes = updater.apply(IngressViews.state(view));
            if (certificates != null) {
                certs = certificates.apply(view.getCertificatesList(), view.getAcmeChallengesList());
            }
        } catch (RuntimeException e) {
            // the arrival path does not wait for the future: say it here
            log.error("ingress: applying the view at revision {} failed: {}", view.getRevision(), e.toString());
            throw e;
        }
        order = order.after(view.getRevision());
        if (tcp != null) {
            tcp.apply(); // logs its own binds and failures; a failed port is tried again on the next view
        }
        applied.accept(view.getRevision());
        if (!changes.none()) {
            log.debug("ingress: view at revision {}: {} machines and {} routes changed", view.getRevision(), changes.machines(),
                    changes.routes());
        }
        if (!certs.none()) {
            log.info("ingress: view at revision {}: {} TLS contexts built, {} kept, {} dropped, {} certificates not usable; "
                    + "{} ACME challenges pending", view.getRevision(), certs.built(), certs.kept(), certs.dropped(), certs.failed(),
                    certificates.current().challenges().size());
        }
        return true;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("the ingress thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.fleetnet.agent;

import dev.fleetnet.ingress.IngressUpdater;
import dev.fleetnet.ingress.tcp.TcpIngress;
import dev.fleetnet.ingress.tls.CertificateStore;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.routing.IngressViews;
import java.util.ArrayList;
import java.util.List;
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
 * ({@link ViewOrder}), so a resync of an older view never undoes a newer one. The certificates and
 * ACME challenges of each applied view are then swapped on their own "ingress-tls" thread: building
 * a TLS context takes tens of milliseconds, and a route change must not queue behind it.
 */
final class IngressWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngressWriter.class);
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "ingress"));
    /** Null when nothing is served over TLS. */
    private final ExecutorService tlsThread;
    /** Ingress thread only. */
    private final IngressUpdater updater;
    /** Swapped whole on the ingress-tls thread; null when nothing is served over TLS. */
    private final CertificateStore certificates;
    /** The newest revision handed to the ingress-tls thread; written by the ingress thread only. */
    private volatile long newestForTls;
    /** Ingress-tls thread only: views skipped for a newer one, completed when that one is swapped. */
    private final List<CompletableFuture<Boolean>> superseded = new ArrayList<>();
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
        this(updater, certificates, tcp, applied,
                certificates == null ? null : Executors.newSingleThreadExecutor(r -> new Thread(r, "ingress-tls")));
    }

    /** As above, with the single thread that swaps the certificates ({@link #close()} shuts it down). */
    IngressWriter(IngressUpdater updater, CertificateStore certificates, TcpIngress tcp, java.util.function.LongConsumer applied,
            ExecutorService tlsThread) {
        if ((certificates == null) != (tlsThread == null)) {
            throw new IllegalArgumentException("tlsThread: " + tlsThread + " (expected: one exactly when there are certificates to swap)");
        }
        this.updater = updater;
        this.certificates = certificates;
        this.tcp = tcp;
        this.applied = applied;
        this.tlsThread = tlsThread;
    }

    /**
     * Queues {@code view} and returns at once; the future completes once the view is served whole,
     * its routes and then its certificates and ACME challenges (or those of a newer view) (true),
     * or once the ingress thread ignored it as older than one applied before (false). The route
     * table is swapped before the certificates are built. After {@link #close()} the future fails.
     */
    CompletableFuture<Boolean> submit(HostView view) {
        try {
            return CompletableFuture.supplyAsync(() -> apply(view), thread).thenCompose(routesApplied -> routesApplied == null
                    ? CompletableFuture.completedFuture(false) : routesApplied);
        } catch (RejectedExecutionException closed) {
            return closedFuture(view);
        }
    }

    private static CompletableFuture<Boolean> closedFuture(HostView view) {
        return CompletableFuture.failedFuture(new IllegalStateException("ingress writer closed: view at revision "
                + view.getRevision() + " not applied"));
    }

    /** Ingress thread only. Null if the view is older than one applied, else the swap of its certificates. */
    private CompletableFuture<Boolean> apply(HostView view) {
        if (!order.admits(view.getRevision())) {
            log.debug("ingress: ignoring the view at revision {}, older than revision {} applied", view.getRevision(), order.newest());
            return null;
        }
        IngressUpdater.Changes changes;
        try {
            changes = updater.apply(IngressViews.state(view));
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
        if (certificates == null) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> swapped = new CompletableFuture<>();
        newestForTls = view.getRevision();
        try {
            tlsThread.execute(() -> applyCertificates(view, swapped));
        } catch (RejectedExecutionException closed) {
            return closedFuture(view);
        }
        return swapped;
    }

    /**
     * Ingress-tls thread only. Views arrive in the order the ingress thread applied them; one that
     * a newer view already follows is skipped (a burst builds only the newest certificates) and
     * completes when that newer one is swapped.
     */
    private void applyCertificates(HostView view, CompletableFuture<Boolean> swapped) {
        if (newestForTls > view.getRevision()) {
            superseded.add(swapped);
            return;
        }
        List<CompletableFuture<Boolean>> done = new ArrayList<>(superseded);
        done.add(swapped);
        superseded.clear();
        CertificateStore.Changes certs;
        try {
            certs = certificates.apply(view.getCertificatesList(), view.getAcmeChallengesList());
        } catch (RuntimeException e) {
            log.error("ingress: the certificates of the view at revision {} were not swapped: {}", view.getRevision(), e.toString());
            done.forEach(f -> f.completeExceptionally(e));
            return;
        }
        if (!certs.none()) {
            log.info("ingress: view at revision {}: {} TLS contexts built, {} kept, {} dropped, {} certificates not usable; "
                    + "{} ACME challenges pending", view.getRevision(), certs.built(), certs.kept(), certs.dropped(), certs.failed(),
                    certificates.current().challenges().size());
        }
        done.forEach(f -> f.complete(true));
    }

    @Override
    public void close() {
        stop(thread, "ingress");
        if (tlsThread != null) {
            stop(tlsThread, "ingress-tls");
        }
    }

    private static void stop(ExecutorService executor, String name) {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("the {} thread did not stop within 5 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

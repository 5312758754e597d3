package dev.fleetnet.agent.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings fleetnet's table to a {@link DesiredPolicy} through a {@link PacketFilter}, one atomic batch
 * per call. {@link #reconcile} trusts what it applied last (a machine change costs one write, no
 * read); {@link #repair} reads the real table and heals any drift. Threading: the methods are
 * synchronized; the lock guards {@code applied}.
 */
public final class PolicyReconciler {
    private static final Logger log = LoggerFactory.getLogger(PolicyReconciler.class);
    private final PacketFilter filter;
    /** The table as of the last batch that succeeded; null until then, or after a failure. */
    private PolicyState applied;

    public PolicyReconciler(PacketFilter filter) {
        this.filter = filter;
    }

    /** Brings the filter to {@code desired}; returns human-readable changes, empty = no changes. Idempotent. */
    public synchronized List<String> reconcile(DesiredPolicy desired) throws IOException {
        PolicyState want = PolicyPlanner.expected(desired);
        if (want.equals(applied)) {
            return List.of();
        }
        if (applied == null) {
            return applyFromRead(desired, want, false, List.of());
        }
        PolicyPlanner.Plan plan = PolicyPlanner.plan(desired, want, Optional.of(applied), false);
        if (plan.isEmpty()) {
            applied = want;
            return List.of();
        }
        try {
            filter.apply(plan.changes());
        } catch (IOException e) {
            // The table is not what was applied last (someone changed it): the batch left nothing
            // behind, so read the real table and plan again once.
            applied = null;
            log.warn("policy: {}; reading the table and planning again", e.getMessage());
            return applyFromRead(desired, want, false, List.of("table was not as last applied (" + firstLine(e) + "): re-read it"));
        }
        applied = want;
        return plan.report();
    }

    /** Periodic drift check: same as reconcile, but re-reads everything (static chains included) and logs/returns what it repaired. */
    public synchronized List<String> repair(DesiredPolicy desired) throws IOException {
        List<String> repaired = applyFromRead(desired, PolicyPlanner.expected(desired), true, List.of());
        repaired.forEach(line -> log.warn("policy repaired: {}", line));
        return repaired;
    }

    private List<String> applyFromRead(DesiredPolicy desired, PolicyState want, boolean repair, List<String> before) throws IOException {
        applied = null;
        PolicyPlanner.Plan plan = PolicyPlanner.plan(desired, want, filter.read(), repair);
        if (!plan.isEmpty()) {
            filter.apply(plan.changes());
        }
        applied = want;
        List<String> out = new ArrayList<>(before);
        out.addAll(plan.report());
        return List.copyOf(out);
    }

    private static String firstLine(IOException e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

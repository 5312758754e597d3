package dev.fleetnet.agent;

import dev.fleetnet.agent.host.HostPlanner;
import dev.fleetnet.agent.host.HostReconciler;
import dev.fleetnet.agent.policy.DesiredPolicy;
import dev.fleetnet.agent.policy.PolicyReconciler;
import dev.fleetnet.agent.wireguard.WireGuardKey;
import dev.fleetnet.proto.v1.HostView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One pass of the kernel side of a view: filter elements, then mesh, machine links and routes.
 * Only a view the agent trusts (the controller's, or a saved one that is whole and this host's)
 * is ever passed here: a pass removes what the view does not name. Threading: the agent's
 * reconcile thread only.
 */
final class DataPlanePass {
    /**
     * The fields of a view no pass reads: the revision, and what only the ingress (routes,
     * certificates, ACME challenges), DNS (directory) and SSH ingress use. A view that changes
     * nothing else needs no pass; every other field, including any added later, is assumed to.
     */
    static final Set<Integer> NOT_READ = Set.of(HostView.REVISION_FIELD_NUMBER, HostView.DIRECTORY_FIELD_NUMBER,
            HostView.ROUTES_FIELD_NUMBER, HostView.CERTIFICATES_FIELD_NUMBER, HostView.ACME_CHALLENGES_FIELD_NUMBER,
            HostView.SSH_FIELD_NUMBER);
    private final HostPlanner planner;
    private final HostReconciler host;
    private final PolicyReconciler policy;
    private final WireGuardKey key;
    /** Whether the filter was built once since start. */
    private boolean policyBuilt;

    DataPlanePass(HostPlanner planner, HostReconciler host, PolicyReconciler policy, WireGuardKey key) {
        this.planner = planner;
        this.host = host;
        this.policy = policy;
        this.key = key;
    }

    /** Whether a pass would build the same data plane from both views (they differ at most in fields it does not read). */
    static boolean sameInputs(HostView a, HostView b) {
        return inputs(a).equals(inputs(b));
    }

    private static HostView inputs(HostView view) {
        HostView.Builder inputs = view.toBuilder();
        NOT_READ.forEach(field -> inputs.clearField(HostView.getDescriptor().findFieldByNumber(field)));
        return inputs.build();
    }

    /** Brings the host to {@code view}; {@code deep} also re-reads what a normal pass trusts (the periodic resync). */
    HostReconciler.Result run(HostView view, boolean deep) throws IOException {
        // Filter elements before links: an element grants nothing until its link exists, and a new
        // machine can send the moment its link is up (a link without elements is isolated, never open).
        DesiredPolicy desiredPolicy = planner.policy(view);
        // The periodic pass checks the real table for drift (and says what it repaired); the first pass just builds it.
        List<String> policyChanges = deep && policyBuilt ? policy.repair(desiredPolicy) : policy.reconcile(desiredPolicy);
        policyBuilt = true;
        HostReconciler.Result result = host.reconcile(planner.host(view), planner.mesh(view, key), deep);
        if (policyChanges.isEmpty()) {
            return result;
        }
        List<String> all = new ArrayList<>(policyChanges.stream().map(c -> "filter: " + c).toList());
        all.addAll(result.changes());
        return new HostReconciler.Result(all, result.statuses());
    }
}

package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciler against the in-memory filter: the transcript of batches, what it reads, and what repair heals. */
class PolicyReconcilerTest {
    private static final GuestSource GS_B = new GuestSource(B.link(), B.address());
    private InMemoryPacketFilter filter;
    private PolicyReconciler reconciler;

    @BeforeEach
    void fresh() {
        filter = new InMemoryPacketFilter();
        reconciler = new PolicyReconciler(filter);
    }

    @Test
    void buildsOnceThenChangesNothing() throws IOException {
        assertThat(reconciler.reconcile(policy(A, B))).containsExactly(
                "created table inet fleetnet with 3 sets (4 elements) and 3 chains (19 rules)");
        assertThat(filter.reads()).as("the first call reads the table").isEqualTo(1);
        assertThat(filter.batches()).hasSize(1);

        assertThat(reconciler.reconcile(policy(A, B))).isEmpty();
        assertThat(reconciler.reconcile(policy(B, A))).as("order of guests does not matter").isEmpty();
        assertThat(filter.batches()).as("no batch for no change").hasSize(1);
        assertThat(filter.reads()).isEqualTo(1);
    }

    @Test
    void machineChangesAreOneElementBatchEachWithoutReads() throws IOException {
        reconciler.reconcile(policy(A));
        reconciler.reconcile(policy(A, B));
        reconciler.reconcile(policy(A));
        reconciler.reconcile(policy(A, C));
        assertThat(filter.batches().subList(1, 4)).containsExactly(
                List.of(new AddElement(GS_B)),
                List.of(new DeleteElement(GS_B)),
                List.of(new AddElement(new GuestSource(C.link(), C.address())), new AddElement(NetworkPair.of(2)),
                        new AddElement(Element.ExposedPort.tcp(C.address(), 443)), new AddElement(Element.ExposedPort.tcp(C.address(), 8080))));
        assertThat(filter.reads()).as("only the first call reads").isEqualTo(1);
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A, C)));
    }

    @Test
    void repairHealsADeletedElementThatReconcileTrustedToBeThere() throws IOException {
        reconciler.reconcile(policy(A, B));
        filter.deleteElement(GS_B);
        assertThat(reconciler.reconcile(policy(A, B))).isEmpty();
        assertThat(reconciler.repair(policy(A, B))).containsExactly("guest_sources: \"fm00000000000b\" . fdaa:0:1:0:1:0:2:0 was missing: added");
        assertThat(filter.batches().getLast()).containsExactly(new AddElement(GS_B));
        assertThat(reconciler.repair(policy(A, B))).isEmpty();
    }

    @Test
    void repairDeletesAnElementAddedByHand() throws IOException {
        reconciler.reconcile(policy(A, C));
        NetworkPair bridge = new NetworkPair("fdaa:0:1::/48", "fdaa:0:2::/48");
        filter.addElement(bridge);
        assertThat(reconciler.repair(policy(A, C))).containsExactly("same_network: unexpected element fdaa:0:1::/48 . fdaa:0:2::/48: deleted");
        assertThat(filter.batches().getLast()).containsExactly(new DeleteElement(bridge));
    }

    @Test
    void repairRebuildsAChainThatLostARule() throws IOException {
        reconciler.reconcile(policy(A));
        filter.deleteRule(PolicyRules.SPOOF, 3);
        assertThat(reconciler.repair(policy(A)))
                .containsExactly("chain spoof: rules rebuilt (missing: 'guest links: only a machine's own address on its own link')");
        assertThat(filter.batches().getLast()).containsExactlyElementsOf(PolicyPlannerTest.rebuild("flwg1", "spoof"));
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A)));
    }

    @Test
    void repairRecreatesADeletedTable() throws IOException {
        reconciler.reconcile(policy(A, B, C));
        filter.deleteTable();
        assertThat(reconciler.repair(policy(A, B, C)))
                .containsExactly("table inet fleetnet was missing: created with 3 sets (8 elements) and 3 chains (19 rules)");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A, B, C)));
    }

    @Test
    void reconcileReadsAgainWhenItsBatchFailsOnADriftedTable() throws IOException {
        reconciler.reconcile(policy(A, B));
        filter.deleteElement(GS_B);
        // Deleting B's element, which someone already deleted, fails the cheap batch; the retry reads.
        List<String> changes = reconciler.reconcile(policy(A));
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0)).startsWith("table was not as last applied (in-memory apply of 1 changes failed at #0 DeleteElement");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A)));
        assertThat(filter.reads()).isEqualTo(3);
    }

    @Test
    void aFailedFirstBatchChangesNothingAndTheNextCallStartsOver() throws IOException {
        filter.failNextApply("Operation not permitted");
        assertThatThrownBy(() -> reconciler.reconcile(policy(A)))
                .isInstanceOf(IOException.class).hasMessage("in-memory apply of 29 changes failed: Operation not permitted");
        assertThat(filter.read()).isEmpty();
        assertThat(reconciler.reconcile(policy(A))).containsExactly(
                "created table inet fleetnet with 3 sets (3 elements) and 3 chains (19 rules)");
    }

    @Test
    void aRenamedMeshRebuildsTheChainsInOneBatch() throws IOException {
        reconciler.reconcile(policy(A));
        List<String> changes = reconciler.reconcile(new DesiredPolicy("flwg2", List.of(A)));
        assertThat(changes).hasSize(2).allMatch(c -> c.startsWith("chain input: rules rebuilt") || c.startsWith("chain forward: rules rebuilt"));
        assertThat(filter.batches()).hasSize(2);
        assertThat(filter.batches().getLast()).containsExactlyElementsOf(PolicyPlannerTest.rebuild("flwg2", "input", "forward"));
    }
}

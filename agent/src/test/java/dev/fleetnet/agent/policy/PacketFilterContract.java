package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.DeleteChain;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteSet;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PacketFilter} does, run against the in-memory one ({@code InMemoryPacketFilterTest})
 * and the real nftables ({@code NftPacketFilterIT}): round trips, atomic batches, and each kind of
 * repair the planner asks for.
 */
abstract class PacketFilterContract {

    /** A filter over an empty packet filter, fresh for each test. */
    abstract PacketFilter filter();

    private PolicyState bring(DesiredPolicy desired) throws IOException {
        PacketFilter filter = filter();
        PolicyPlanner.Plan plan = PolicyPlanner.plan(desired, filter.read(), true);
        filter.apply(plan.changes());
        PolicyState state = filter.read().orElseThrow();
        assertThat(state).isEqualTo(PolicyPlanner.expected(desired));
        assertThat(PolicyPlanner.plan(desired, Optional.of(state), true).isEmpty()).isTrue();
        return state;
    }

    @Test
    void readsNothingBeforeTheTableExists() throws IOException {
        assertThat(filter().read()).isEmpty();
    }

    @Test
    void readsBackWhatItApplied() throws IOException {
        bring(policy(A, B, C));
        bring(policy());
    }

    @Test
    void machineChangesAreElementChangesOnly() throws IOException {
        bring(policy(A, C));
        DesiredPolicy next = policy(A.withExposedTcpPorts(Set.of(80, 81)), B);
        PolicyPlanner.Plan plan = PolicyPlanner.plan(next, filter().read(), false);
        assertThat(plan.changes()).isNotEmpty().allMatch(c -> c instanceof AddElement || c instanceof DeleteElement);
        filter().apply(plan.changes());
        assertThat(filter().read()).contains(PolicyPlanner.expected(next));
    }

    @Test
    void aFailingBatchLeavesNothingBehind() throws IOException {
        PolicyState before = bring(policy(A));
        GuestSource absent = new GuestSource(B.link(), B.address());
        List<PolicyChange> batch = List.of(new AddElement(new GuestSource(C.link(), C.address())), new DeleteElement(absent));
        assertThatThrownBy(() -> filter().apply(batch)).isInstanceOf(IOException.class).hasMessageContaining("failed");
        assertThat(filter().read()).contains(before);
    }

    @Test
    void addingAnElementTwiceIsNoError() throws IOException {
        PolicyState before = bring(policy(A));
        filter().apply(List.of(new AddElement(new GuestSource(A.link(), A.address())), new AddElement(Element.NetworkPair.of(1))));
        assertThat(filter().read()).contains(before);
    }

    @Test
    void aSetInUseCannotBeDeleted() throws IOException {
        PolicyState before = bring(policy(A));
        assertThatThrownBy(() -> filter().apply(List.of(new DeleteSet(PolicyRules.GUEST_SOURCES)))).isInstanceOf(IOException.class);
        assertThat(filter().read()).contains(before);
    }

    @Test
    void aRenamedMeshRebuildsTwoChainsAndNoElements() throws IOException {
        bring(policy(A, C));
        DesiredPolicy renamed = new DesiredPolicy("flwg2", policy(A, C).guests());
        PolicyPlanner.Plan plan = PolicyPlanner.plan(renamed, filter().read(), false);
        assertThat(plan.changes()).filteredOn(c -> c instanceof FlushChain)
                .containsExactly(new FlushChain(PolicyRules.INPUT), new FlushChain(PolicyRules.FORWARD));
        assertThat(plan.changes()).allMatch(c -> c instanceof FlushChain || c instanceof AddRule);
        filter().apply(plan.changes());
        assertThat(filter().read()).contains(PolicyPlanner.expected(renamed));
    }

    @Test
    void aSetDeclaredDifferentlyIsRecreatedWithItsRules() throws IOException {
        bring(policy(A, B));
        SetSpec wrong = new SetSpec(PolicyRules.GUEST_SOURCES, List.of("ipv6_addr"), Set.of());
        filter().apply(List.of(new FlushChain(PolicyRules.SPOOF), new DeleteSet(PolicyRules.GUEST_SOURCES), new AddSet(wrong)));
        assertThat(filter().read().orElseThrow().sets().get(PolicyRules.GUEST_SOURCES).spec()).isEqualTo(wrong);
        bring(policy(A, B));
    }

    @Test
    void aChainAttachedDifferentlyIsRecreated() throws IOException {
        bring(policy(A));
        filter().apply(List.of(new DeleteChain(PolicyRules.SPOOF), new AddChain(ChainSpec.filter(PolicyRules.SPOOF, "input", 10))));
        assertThat(filter().read().orElseThrow().chains().get(PolicyRules.SPOOF).spec().hook()).isEqualTo("input");
        bring(policy(A));
    }

    @Test
    void foreignChainsAndSetsInFleetnetsTableAreDeleted() throws IOException {
        bring(policy(A));
        SetSpec foreign = new SetSpec("blocked", List.of("ipv6_addr"), Set.of());
        filter().apply(List.of(new AddSet(foreign), new AddChain(new ChainSpec("extra", null, null, 0, null)),
                new AddRule("extra", Rule.of("someone else's", Rule.Verdict.ACCEPT,
                        new Match.InSet(List.of(Match.Key.SOURCE), "blocked", false))),
                new AddRule(PolicyRules.FORWARD, Rule.of("appended by hand", Rule.Verdict.DROP, new Match.Destination("fdaa::/16")))));
        PolicyState drifted = filter().read().orElseThrow();
        assertThat(drifted.chains()).containsKey("extra");
        assertThat(drifted.sets()).containsKey("blocked");
        bring(policy(A));
    }
}

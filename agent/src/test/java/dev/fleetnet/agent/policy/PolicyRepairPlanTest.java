package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.DeleteChain;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteSet;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import dev.fleetnet.agent.policy.PolicyState.SetState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner against a drifted table: each kind of drift, the exact batch that repairs it and the words for it. */
class PolicyRepairPlanTest {
    private static final DesiredPolicy DESIRED = policy(A, C);
    private static final PolicyState WANT = PolicyPlanner.expected(DESIRED);
    private static final GuestSource GS_A = new GuestSource(A.link(), A.address());

    static Stream<Arguments> drift() {
        ChainState forward = WANT.chains().get("forward");
        ChainState input = WANT.chains().get("input");
        List<Rule> forwardWithoutOne = new ArrayList<>(forward.rules());
        forwardWithoutOne.remove(1);
        List<Rule> forwardPlusOne = new ArrayList<>(forward.rules());
        forwardPlusOne.add(new Rule(List.of(new Match.Unrecognized("{\"counter\":null}")), Rule.Verdict.ACCEPT, ""));
        // Same comment, but accepts every destination: only comparing whole rules notices.
        List<Rule> forwardChanged = new ArrayList<>(forward.rules());
        forwardChanged.set(1, Rule.of(forward.rules().get(1).comment(), Rule.Verdict.ACCEPT, new Match.InputInterface("fm*")));
        NetworkPair crossing = new NetworkPair("fdaa:0:1::/48", "fdaa:0:2::/48");
        SetSpec wrong = new SetSpec("guest_sources", List.of("ipv6_addr"), Set.of());
        List<PolicyChange> chainInput = new ArrayList<>(List.of(new AddChain(input.spec())));
        chainInput.addAll(PolicyPlannerTest.rebuild("flwg1", "input").subList(1, 9));
        List<PolicyChange> recreatedInput = new ArrayList<>(List.of(new DeleteChain("input")));
        recreatedInput.addAll(chainInput);
        List<PolicyChange> recreatedSet = new ArrayList<>(List.of(new FlushChain("spoof"), new DeleteSet("guest_sources"),
                new AddSet(PolicyRules.set("guest_sources")), new AddElement(GS_A), new AddElement(new GuestSource(C.link(), C.address()))));
        recreatedSet.addAll(PolicyPlannerTest.rebuild("flwg1", "spoof").subList(1, 5));
        return Stream.of(
                Arguments.of("an element went missing", edit(s -> withoutElement(s, GS_A)), List.of(new AddElement(GS_A)),
                        List.of("guest_sources: \"fm00000000000a\" . fdaa:0:1:0:1:0:1:0 was missing: added")),
                Arguments.of("an element was added by hand", edit(s -> withElement(s, crossing)), List.of(new DeleteElement(crossing)),
                        List.of("same_network: unexpected element fdaa:0:1::/48 . fdaa:0:2::/48: deleted")),
                Arguments.of("a rule was deleted", edit(s -> withChain(s, new ChainState(forward.spec(), forwardWithoutOne))),
                        PolicyPlannerTest.rebuild("flwg1", "forward"),
                        List.of("chain forward: rules rebuilt (missing: 'guest links: within the same network')")),
                Arguments.of("a rule was appended by hand", edit(s -> withChain(s, new ChainState(forward.spec(), forwardPlusOne))),
                        PolicyPlannerTest.rebuild("flwg1", "forward"), List.of("chain forward: rules rebuilt (unexpected: '')")),
                Arguments.of("a rule was changed under its comment", edit(s -> withChain(s, new ChainState(forward.spec(), forwardChanged))),
                        PolicyPlannerTest.rebuild("flwg1", "forward"),
                        List.of("chain forward: rules rebuilt (changed: 'guest links: within the same network')")),
                Arguments.of("a chain was deleted", edit(s -> withoutChain(s, "input")), chainInput,
                        List.of("chain input was missing: created with 8 rules")),
                Arguments.of("a chain's policy became drop", edit(s -> withChain(s, new ChainState(
                        new ChainSpec("input", "filter", "input", 0, "drop"), input.rules()))), recreatedInput,
                        List.of("chain input was attached as 'type filter hook input priority 0; policy drop' "
                                + "(expected 'type filter hook input priority 0; policy accept'): recreated with 8 rules")),
                Arguments.of("a set was declared differently", edit(s -> withSet(s, new SetState(wrong, Set.of()))), recreatedSet,
                        List.of("set guest_sources was declared 'type ipv6_addr' (expected 'type ifname . ipv6_addr'): recreated with 2 elements",
                                "chain spoof: rules re-added after set guest_sources was recreated")),
                Arguments.of("a foreign chain and set in the table", edit(s -> withSet(withChain(s,
                                new ChainState(new ChainSpec("extra", null, null, 0, null), List.of())),
                                new SetState(new SetSpec("blocked", List.of("ipv6_addr"), Set.of()), Set.of()))),
                        List.of(new FlushChain("extra"), new DeleteChain("extra"), new DeleteSet("blocked")),
                        List.of("set blocked is not fleetnet's: deleted", "chain extra is not fleetnet's: deleted")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drift")
    void repairsExactlyTheDriftAndSaysWhat(String name, PolicyState actual, List<PolicyChange> changes, List<String> report) {
        PolicyPlanner.Plan plan = PolicyPlanner.plan(DESIRED, Optional.of(actual), true);
        assertThat(plan.changes()).containsExactlyElementsOf(changes);
        assertThat(plan.report()).containsExactlyElementsOf(report);
    }

    @org.junit.jupiter.api.Test
    void aMissingTableIsRecreatedWhole() {
        assertThat(PolicyPlanner.plan(DESIRED, Optional.empty(), true).report())
                .containsExactly("table inet fleetnet was missing: created with 3 sets (7 elements) and 3 chains (19 rules)");
    }

    private static PolicyState edit(UnaryOperator<PolicyState> change) {
        return change.apply(WANT);
    }

    static PolicyState withChain(PolicyState s, ChainState chain) {
        Map<String, ChainState> chains = new HashMap<>(s.chains());
        chains.put(chain.spec().name(), chain);
        return new PolicyState(chains, s.sets());
    }

    static PolicyState withoutChain(PolicyState s, String name) {
        Map<String, ChainState> chains = new HashMap<>(s.chains());
        chains.remove(name);
        return new PolicyState(chains, s.sets());
    }

    static PolicyState withSet(PolicyState s, SetState set) {
        Map<String, SetState> sets = new HashMap<>(s.sets());
        sets.put(set.spec().name(), set);
        return new PolicyState(s.chains(), sets);
    }

    static PolicyState withElement(PolicyState s, Element e) {
        SetState set = s.sets().get(e.set());
        Set<Element> elements = new HashSet<>(set.elements());
        elements.add(e);
        return withSet(s, new SetState(set.spec(), elements));
    }

    static PolicyState withoutElement(PolicyState s, Element e) {
        SetState set = s.sets().get(e.set());
        Set<Element> elements = new HashSet<>(set.elements());
        elements.remove(e);
        return withSet(s, new SetState(set.spec(), elements));
    }
}

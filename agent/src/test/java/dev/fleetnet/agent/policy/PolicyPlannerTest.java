package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.policy.Element.ExposedPort;
import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.AddTable;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import dev.fleetnet.core.AddressPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner from one desired policy to the next: machine changes are element changes, exactly these. */
class PolicyPlannerTest {
    private static final GuestSource GS_A = new GuestSource(A.link(), A.address());
    private static final GuestSource GS_B = new GuestSource(B.link(), B.address());
    private static final GuestSource GS_C = new GuestSource(C.link(), C.address());

    static Stream<Arguments> transitions() {
        GuestLink aMoved = new GuestLink("fm0000000000aa", A.address(), 1, A.exposedTcpPorts());
        return Stream.of(
                Arguments.of("equal: no changes", policy(A, B, C), policy(A, B, C), List.of(), List.of()),
                Arguments.of("one machine added: one element", policy(A), policy(A, B),
                        List.of(new AddElement(GS_B)),
                        List.of("guest_sources: added \"fm00000000000b\" . fdaa:0:1:0:1:0:2:0")),
                Arguments.of("one machine removed: one element", policy(A, B), policy(A),
                        List.of(new DeleteElement(GS_B)),
                        List.of("guest_sources: removed \"fm00000000000b\" . fdaa:0:1:0:1:0:2:0")),
                Arguments.of("a network appears with its machine", policy(A), policy(A, C),
                        List.of(new AddElement(GS_C), new AddElement(NetworkPair.of(2)),
                                new AddElement(ExposedPort.tcp(C.address(), 443)), new AddElement(ExposedPort.tcp(C.address(), 8080))),
                        List.of("guest_sources: added \"fm00000000000c\" . fdaa:0:2:0:1:0:1:0",
                                "same_network: added fdaa:0:2::/48 . fdaa:0:2::/48",
                                "exposed: added fdaa:0:2:0:1:0:1:0 . tcp . 443",
                                "exposed: added fdaa:0:2:0:1:0:1:0 . tcp . 8080")),
                Arguments.of("a network disappears with its last machine", policy(A, C), policy(A),
                        List.of(new DeleteElement(GS_C), new DeleteElement(NetworkPair.of(2)),
                                new DeleteElement(ExposedPort.tcp(C.address(), 443)), new DeleteElement(ExposedPort.tcp(C.address(), 8080))),
                        List.of("guest_sources: removed \"fm00000000000c\" . fdaa:0:2:0:1:0:1:0",
                                "same_network: removed fdaa:0:2::/48 . fdaa:0:2::/48",
                                "exposed: removed fdaa:0:2:0:1:0:1:0 . tcp . 443",
                                "exposed: removed fdaa:0:2:0:1:0:1:0 . tcp . 8080")),
                Arguments.of("a network stays while one machine remains", policy(A, B), policy(B),
                        List.of(new DeleteElement(GS_A), new DeleteElement(ExposedPort.tcp(A.address(), 80))),
                        List.of("guest_sources: removed \"fm00000000000a\" . fdaa:0:1:0:1:0:1:0",
                                "exposed: removed fdaa:0:1:0:1:0:1:0 . tcp . 80")),
                Arguments.of("an exposed port changes", policy(A), policy(A.withExposedTcpPorts(Set.of(8080))),
                        List.of(new DeleteElement(ExposedPort.tcp(A.address(), 80)), new AddElement(ExposedPort.tcp(A.address(), 8080))),
                        List.of("exposed: removed fdaa:0:1:0:1:0:1:0 . tcp . 80", "exposed: added fdaa:0:1:0:1:0:1:0 . tcp . 8080")),
                Arguments.of("a machine gets a new link", policy(A), policy(aMoved),
                        List.of(new DeleteElement(GS_A), new AddElement(new GuestSource(aMoved.link(), A.address()))),
                        List.of("guest_sources: removed \"fm00000000000a\" . fdaa:0:1:0:1:0:1:0",
                                "guest_sources: added \"fm0000000000aa\" . fdaa:0:1:0:1:0:1:0")),
                Arguments.of("the mesh is renamed: input and forward rebuilt, no element", policy(A, C),
                        new DesiredPolicy("flwg2", List.of(A, C)), rebuild("flwg2", PolicyRules.INPUT, PolicyRules.FORWARD),
                        List.of("chain input: rules rebuilt (missing: 'mesh flwg2: replies to the host's own traffic', "
                                        + "'mesh flwg2: other hosts (infrastructure network fdaa::/48)', 'mesh flwg2: nothing else of the host'; "
                                        + "unexpected: 'mesh flwg1: replies to the host's own traffic', "
                                        + "'mesh flwg1: other hosts (infrastructure network fdaa::/48)', 'mesh flwg1: nothing else of the host')",
                                "chain forward: rules rebuilt (missing: 'mesh flwg2: within the same network', "
                                        + "'mesh flwg2: other hosts to exposed TCP ports', 'mesh flwg2: nothing else into fdaa::/16'; "
                                        + "unexpected: 'mesh flwg1: within the same network', 'mesh flwg1: other hosts to exposed TCP ports', "
                                        + "'mesh flwg1: nothing else into fdaa::/16')")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transitions")
    void plansExactlyTheDifference(String name, DesiredPolicy from, DesiredPolicy to, List<PolicyChange> changes, List<String> report) {
        PolicyPlanner.Plan plan = PolicyPlanner.plan(to, Optional.of(PolicyPlanner.expected(from)), false);
        assertThat(plan.changes()).containsExactlyElementsOf(changes);
        assertThat(plan.report()).containsExactlyElementsOf(report);
    }

    /** Flush each chain, then its rules for {@code mesh}, as one batch does it. */
    static List<PolicyChange> rebuild(String mesh, String... chains) {
        List<PolicyChange> out = new ArrayList<>();
        List<PolicyRules.Chain> all = PolicyRules.chains(mesh);
        for (String chain : chains) {
            out.add(new FlushChain(chain));
        }
        for (String chain : chains) {
            all.stream().filter(c -> c.spec().name().equals(chain)).flatMap(c -> c.rules().stream()).forEach(r -> out.add(new AddRule(chain, r)));
        }
        return out;
    }

    @Test
    void fromNoTableBuildsEverythingInOneBatchInDependencyOrder() {
        PolicyPlanner.Plan plan = PolicyPlanner.plan(policy(A, B, C), Optional.empty(), false);
        List<PolicyChange> expected = new ArrayList<>();
        expected.add(new AddTable());
        PolicyRules.SETS.forEach(s -> expected.add(new AddSet(s)));
        List.of(GS_A, GS_B, GS_C, NetworkPair.of(1), NetworkPair.of(2), ExposedPort.tcp(A.address(), 80),
                ExposedPort.tcp(C.address(), 443), ExposedPort.tcp(C.address(), 8080)).forEach(e -> expected.add(new AddElement(e)));
        for (PolicyRules.Chain c : PolicyRules.chains("flwg1")) {
            expected.add(new AddChain(c.spec()));
            c.rules().forEach(r -> expected.add(new AddRule(c.spec().name(), r)));
        }
        assertThat(plan.changes()).containsExactlyElementsOf(expected);
        assertThat(plan.report()).containsExactly("created table inet fleetnet with 3 sets (8 elements) and 3 chains (19 rules)");
    }

    @Test
    void anEmptyPolicyStillHasEveryChainSoANewLinkIsIsolated() {
        PolicyState empty = PolicyPlanner.expected(policy());
        assertThat(empty.chains()).containsOnlyKeys("spoof", "input", "forward");
        assertThat(empty.sets().values()).allMatch(s -> s.elements().isEmpty());
    }

    @Test
    void manyElementsAreListedThenSummarised() {
        List<GuestLink> guests = IntStream.rangeClosed(1, 12)
                .mapToObj(i -> GuestLink.of(String.format("fm%012x", i), AddressPlan.machineAddress(1, 1, i), 1)).toList();
        PolicyPlanner.Plan plan = PolicyPlanner.plan(new DesiredPolicy("flwg1", guests), Optional.of(PolicyPlanner.expected(policy())), false);
        assertThat(plan.changes()).hasSize(13);
        assertThat(plan.report()).hasSize(12).contains("same_network: added fdaa:0:1::/48 . fdaa:0:1::/48")
                .contains("guest_sources: added 2 more elements");
    }

    @Test
    void rulesInAnotherOrderAreRebuilt() {
        PolicyState want = PolicyPlanner.expected(policy(A));
        List<Rule> rules = new ArrayList<>(want.chains().get("spoof").rules());
        java.util.Collections.swap(rules, 0, 1);
        PolicyState swapped = PolicyRepairPlanTest.withChain(want, new ChainState(want.chains().get("spoof").spec(), rules));
        PolicyPlanner.Plan plan = PolicyPlanner.plan(policy(A), Optional.of(swapped), true);
        assertThat(plan.report()).containsExactly("chain spoof: rules rebuilt (out of order)");
        assertThat(plan.changes()).containsExactlyElementsOf(rebuild("flwg1", "spoof"));
    }
}

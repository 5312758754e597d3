package dev.fleetnet.agent.policy;

import dev.fleetnet.agent.policy.Element.ExposedPort;
import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.AddTable;
import dev.fleetnet.agent.policy.PolicyChange.DeleteChain;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteSet;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import dev.fleetnet.agent.policy.PolicyRules.Chain;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import dev.fleetnet.agent.policy.PolicyState.SetState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pure: what fleetnet's table should hold for a {@link DesiredPolicy}, and the one batch that takes
 * an actual table there. Machines coming and going are element changes only; the chains are
 * rebuilt only when their rules differ (a renamed mesh interface, or drift), compared rule by rule.
 */
public final class PolicyPlanner {
    /** Element changes listed one by one per set and direction before the report summarises the rest. */
    static final int LISTED_ELEMENTS = 10;

    private PolicyPlanner() {}

    /** The changes of one batch and what they do, for people; both empty when the table is as desired. */
    public record Plan(List<PolicyChange> changes, List<String> report) {
        public Plan {
            changes = List.copyOf(changes);
            report = List.copyOf(report);
        }

        public boolean isEmpty() {
            return changes.isEmpty();
        }
    }

    /** The table {@code desired} calls for. */
    public static PolicyState expected(DesiredPolicy desired) {
        Map<String, ChainState> chains = new LinkedHashMap<>();
        for (Chain chain : PolicyRules.chains(desired.meshInterface())) {
            chains.put(chain.spec().name(), new ChainState(chain.spec(), chain.rules()));
        }
        Map<String, SetState> sets = new LinkedHashMap<>();
        for (SetSpec spec : PolicyRules.SETS) {
            sets.put(spec.name(), new SetState(spec, elements(desired, spec.name())));
        }
        return new PolicyState(chains, sets);
    }

    /** The elements set {@code set} must hold for {@code desired}. */
    static Set<Element> elements(DesiredPolicy desired, String set) {
        Set<Element> out = new HashSet<>();
        for (GuestLink guest : desired.guests()) {
            switch (set) {
                case PolicyRules.GUEST_SOURCES -> out.add(new GuestSource(guest.link(), guest.address()));
                case PolicyRules.SAME_NETWORK -> out.add(NetworkPair.of(guest.network()));
                case PolicyRules.EXPOSED -> guest.exposedTcpPorts().forEach(p -> out.add(ExposedPort.tcp(guest.address(), p)));
                default -> throw new IllegalArgumentException("set: '" + set + "' (expected: one of " + PolicyRules.SETS + ")");
            }
        }
        return out;
    }

    /**
     * The batch that takes {@code actual} (empty: no table) to what {@code desired} calls for.
     * With {@code repair}, the report words every difference as drift that was repaired.
     */
    public static Plan plan(DesiredPolicy desired, Optional<PolicyState> actual, boolean repair) {
        return plan(desired, expected(desired), actual, repair);
    }

    /** As {@link #plan(DesiredPolicy, Optional, boolean)}, with {@code want} = {@link #expected}({@code desired}) computed once by the caller. */
    static Plan plan(DesiredPolicy desired, PolicyState want, Optional<PolicyState> actual, boolean repair) {
        List<Chain> chains = PolicyRules.chains(desired.meshInterface());
        Builder b = new Builder(repair);
        if (actual.isEmpty()) {
            b.changes.add(new AddTable());
            PolicyState empty = new PolicyState(Map.of(), Map.of());
            Builder quiet = new Builder(repair);
            quiet.planSets(want, empty);
            quiet.planChains(chains, empty);
            b.changes.addAll(quiet.build().changes());
            b.report.add((repair ? "table inet " + PolicyRules.TABLE + " was missing: created with " : "created table inet "
                    + PolicyRules.TABLE + " with ") + summary(want));
            return b.build();
        }
        b.planSets(want, actual.get());
        b.planChains(chains, actual.get());
        return b.build();
    }

    private static String summary(PolicyState state) {
        int elements = state.sets().values().stream().mapToInt(s -> s.elements().size()).sum();
        int rules = state.chains().values().stream().mapToInt(c -> c.rules().size()).sum();
        return state.sets().size() + " sets (" + elements + " elements) and " + state.chains().size() + " chains (" + rules + " rules)";
    }

    /** Collects the changes in batch order: chains cleared, sets replaced, elements, chains filled. */
    private static final class Builder {
        private final boolean repair;
        private final List<PolicyChange> changes = new ArrayList<>();
        private final List<String> report = new ArrayList<>();
        private final List<PolicyChange> clearChains = new ArrayList<>();
        private final List<PolicyChange> deleteSets = new ArrayList<>();
        private final List<PolicyChange> addSets = new ArrayList<>();
        private final List<PolicyChange> elementChanges = new ArrayList<>();
        private final List<PolicyChange> fillChains = new ArrayList<>();
        private final Set<String> recreatedSets = new HashSet<>();

        Builder(boolean repair) {
            this.repair = repair;
        }

        void planSets(PolicyState want, PolicyState actual) {
            for (String extra : new TreeSet<>(actual.sets().keySet())) {
                if (!want.sets().containsKey(extra)) {
                    deleteSets.add(new DeleteSet(extra));
                    report.add("set " + extra + " is not fleetnet's: deleted");
                }
            }
            for (SetSpec spec : PolicyRules.SETS) {
                Set<Element> wanted = want.sets().get(spec.name()).elements();
                SetState found = actual.sets().get(spec.name());
                if (found == null || !found.spec().equals(spec)) {
                    if (found != null) {
                        deleteSets.add(new DeleteSet(spec.name()));
                        recreatedSets.add(spec.name());
                    }
                    addSets.add(new AddSet(spec));
                    sorted(wanted).forEach(e -> elementChanges.add(new AddElement(e)));
                    report.add(found == null
                            ? "set " + spec.name() + " was missing: created with " + wanted.size() + " elements"
                            : "set " + spec.name() + " was declared '" + found.spec().describe() + "' (expected '"
                                    + spec.describe() + "'): recreated with " + wanted.size() + " elements");
                    continue;
                }
                List<Element> missing = sorted(wanted.stream().filter(e -> !found.elements().contains(e)).toList());
                List<Element> extra = sorted(found.elements().stream().filter(e -> !wanted.contains(e)).toList());
                extra.forEach(e -> elementChanges.add(new DeleteElement(e)));
                missing.forEach(e -> elementChanges.add(new AddElement(e)));
                describe(spec.name(), extra, repair ? "unexpected element %s: deleted" : "removed %s", "removed");
                describe(spec.name(), missing, repair ? "%s was missing: added" : "added %s", "added");
            }
        }

        void planChains(List<Chain> chains, PolicyState actual) {
            Set<String> ours = new HashSet<>();
            for (Chain chain : chains) {
                String name = chain.spec().name();
                ours.add(name);
                ChainState found = actual.chains().get(name);
                String recreatedSet = chain.rules().stream().flatMap(r -> r.matches().stream())
                        .filter(m -> m instanceof Match.InSet in && recreatedSets.contains(in.set()))
                        .map(m -> ((Match.InSet) m).set()).findFirst().orElse(null);
                String n = chain.rules().size() + " rules";
                if (found == null) {
                    fillChains.add(new AddChain(chain.spec()));
                    report.add("chain " + name + " was missing: created with " + n);
                } else if (!chain.spec().equals(found.spec())) {
                    clearChains.add(new DeleteChain(name));
                    fillChains.add(new AddChain(chain.spec()));
                    report.add("chain " + name + " was attached as '" + found.spec().describe() + "' (expected '"
                            + chain.spec().describe() + "'): recreated with " + n);
                } else if (!chain.rules().equals(found.rules())) {
                    clearChains.add(new FlushChain(name));
                    report.add("chain " + name + ": rules rebuilt (" + difference(chain.rules(), found.rules()) + ")");
                } else if (recreatedSet != null) {
                    clearChains.add(new FlushChain(name));
                    report.add("chain " + name + ": rules re-added after set " + recreatedSet + " was recreated");
                } else {
                    continue;
                }
                chain.rules().forEach(r -> fillChains.add(new AddRule(name, r)));
            }
            // Foreign chains: flush them all before deleting any, so no jump between them blocks a delete.
            List<String> extra = actual.chains().keySet().stream().filter(c -> !ours.contains(c)).sorted().toList();
            extra.forEach(c -> clearChains.add(new FlushChain(c)));
            extra.forEach(c -> {
                clearChains.add(new DeleteChain(c));
                report.add("chain " + c + " is not fleetnet's: deleted");
            });
        }

        private void describe(String set, List<Element> elements, String format, String verb) {
            for (int i = 0; i < elements.size() && i < LISTED_ELEMENTS; i++) {
                report.add(set + ": " + String.format(format, elements.get(i).describe()));
            }
            if (elements.size() > LISTED_ELEMENTS) {
                report.add(set + ": " + verb + " " + (elements.size() - LISTED_ELEMENTS) + " more elements");
            }
        }

        Plan build() {
            changes.addAll(clearChains);
            changes.addAll(deleteSets);
            changes.addAll(addSets);
            changes.addAll(elementChanges);
            changes.addAll(fillChains);
            return new Plan(changes, report);
        }
    }

    /** Which rules differ, named by their comments: missing, unexpected, changed under the same comment, or only their order. */
    private static String difference(List<Rule> expected, List<Rule> found) {
        List<String> want = expected.stream().map(Rule::comment).toList();
        List<String> have = found.stream().map(Rule::comment).toList();
        List<String> missing = want.stream().filter(c -> !have.contains(c)).toList();
        List<String> unexpected = have.stream().filter(c -> !want.contains(c)).toList();
        List<String> changed = expected.stream().filter(r -> have.contains(r.comment()) && !found.contains(r)).map(Rule::comment).toList();
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing: " + quoted(missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add("unexpected: " + quoted(unexpected));
        }
        if (!changed.isEmpty()) {
            parts.add("changed: " + quoted(changed));
        }
        if (parts.isEmpty()) {
            return found.size() == expected.size() ? "out of order" : "duplicated rules";
        }
        return String.join("; ", parts);
    }

    private static String quoted(List<String> comments) {
        return String.join(", ", comments.stream().map(c -> "'" + c + "'").toList());
    }

    private static List<Element> sorted(java.util.Collection<Element> elements) {
        return elements.stream().sorted(Comparator.comparing(Element::describe)).toList();
    }
}

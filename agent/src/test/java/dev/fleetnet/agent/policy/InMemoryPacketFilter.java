package dev.fleetnet.agent.policy;

import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.AddTable;
import dev.fleetnet.agent.policy.PolicyChange.DeleteChain;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteSet;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import dev.fleetnet.agent.policy.PolicyState.SetState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A packet filter in memory with nft's rules for what a batch may do (no table, no set, no element,
 * a set still in use, a hook that cannot change: the whole batch fails and nothing changes). Records
 * every applied batch, counts reads, and can be tampered with to simulate drift.
 */
public final class InMemoryPacketFilter implements PacketFilter {
    private Table table;
    private final List<List<PolicyChange>> batches = new ArrayList<>();
    private int reads;
    private String failNext;

    private record Chain(ChainSpec spec, List<Rule> rules) {}

    private record Table(Map<String, Chain> chains, Map<String, SetSpec> sets, Map<String, Set<Element>> elements) {
        static Table empty() {
            return new Table(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        }

        Table copy() {
            Table t = empty();
            chains.forEach((k, v) -> t.chains.put(k, new Chain(v.spec(), new ArrayList<>(v.rules()))));
            t.sets.putAll(sets);
            elements.forEach((k, v) -> t.elements.put(k, new HashSet<>(v)));
            return t;
        }
    }

    @Override
    public synchronized Optional<PolicyState> read() {
        reads++;
        if (table == null) {
            return Optional.empty();
        }
        Map<String, ChainState> chains = new LinkedHashMap<>();
        table.chains.forEach((name, c) -> chains.put(name, new ChainState(c.spec(), c.rules())));
        Map<String, SetState> sets = new LinkedHashMap<>();
        table.sets.forEach((name, spec) -> sets.put(name, new SetState(spec, table.elements.get(name))));
        return Optional.of(new PolicyState(chains, sets));
    }

    @Override
    public synchronized void apply(List<PolicyChange> changes) throws IOException {
        if (failNext != null) {
            String message = failNext;
            failNext = null;
            throw new IOException("in-memory apply of " + changes.size() + " changes failed: " + message);
        }
        Table next = table == null ? null : table.copy();
        for (int i = 0; i < changes.size(); i++) {
            try {
                next = step(next, changes.get(i));
            } catch (IllegalStateException e) {
                throw new IOException("in-memory apply of " + changes.size() + " changes failed at #" + i + " " + changes.get(i) + ": " + e.getMessage());
            }
        }
        table = next;
        batches.add(List.copyOf(changes));
    }

    private static Table step(Table t, PolicyChange change) {
        if (change instanceof AddTable) {
            return t == null ? Table.empty() : t;
        }
        if (t == null) {
            throw new IllegalStateException("No such file or directory (table inet fleetnet)");
        }
        switch (change) {
            case AddSet(SetSpec spec) -> {
                SetSpec old = t.sets.get(spec.name());
                if (old != null && !old.equals(spec)) {
                    throw new IllegalStateException("File exists (set " + spec.name() + " is " + old.describe() + ")");
                }
                t.sets.put(spec.name(), spec);
                t.elements.putIfAbsent(spec.name(), new HashSet<>());
            }
            case DeleteSet(String name) -> {
                need(t.sets.containsKey(name), "set " + name);
                boolean used = t.chains.values().stream().flatMap(c -> c.rules().stream()).flatMap(r -> r.matches().stream())
                        .anyMatch(m -> m instanceof Match.InSet in && in.set().equals(name));
                if (used) {
                    throw new IllegalStateException("Device or resource busy (set " + name + " is used by a rule)");
                }
                t.sets.remove(name);
                t.elements.remove(name);
            }
            case AddChain(ChainSpec spec) -> {
                Chain old = t.chains.get(spec.name());
                if (old == null) {
                    t.chains.put(spec.name(), new Chain(spec, new ArrayList<>()));
                } else if (!old.spec().equals(spec)) {
                    ChainSpec o = old.spec();
                    if (!java.util.Objects.equals(o.hook(), spec.hook()) || o.priority() != spec.priority()
                            || !java.util.Objects.equals(o.type(), spec.type())) {
                        throw new IllegalStateException("Operation not supported (chain " + spec.name() + " is " + o.describe() + ")");
                    }
                    t.chains.put(spec.name(), new Chain(spec, old.rules())); // only the policy changes
                }
            }
            case DeleteChain(String name) -> need(t.chains.remove(name) != null, "chain " + name);
            case FlushChain(String name) -> {
                need(t.chains.containsKey(name), "chain " + name);
                t.chains.get(name).rules().clear();
            }
            case AddRule(String chain, Rule rule) -> {
                need(t.chains.containsKey(chain), "chain " + chain);
                rule.matches().stream().filter(m -> m instanceof Match.InSet).map(m -> ((Match.InSet) m).set())
                        .forEach(set -> need(t.sets.containsKey(set), "set " + set));
                t.chains.get(chain).rules().add(rule);
            }
            case AddElement(Element e) -> {
                need(t.sets.containsKey(e.set()), "set " + e.set());
                if (!t.sets.get(e.set()).equals(PolicyRules.set(e.set()))) {
                    throw new IllegalStateException("Can't parse symbolic invalid expressions (" + e.describe() + " in " + t.sets.get(e.set()).describe() + ")");
                }
                t.elements.get(e.set()).add(e);
            }
            case DeleteElement(Element e) -> {
                need(t.sets.containsKey(e.set()), "set " + e.set());
                need(t.elements.get(e.set()).remove(e), "element " + e.describe() + " in " + e.set());
            }
            case AddTable a -> throw new AssertionError(a);
        }
        return t;
    }

    private static void need(boolean present, String what) {
        if (!present) {
            throw new IllegalStateException("No such file or directory (" + what + ")");
        }
    }

    /** Every batch applied so far, in order. */
    public synchronized List<List<PolicyChange>> batches() {
        return List.copyOf(batches);
    }

    synchronized int reads() {
        return reads;
    }

    /** The next apply fails with {@code message} and changes nothing. */
    synchronized void failNextApply(String message) {
        failNext = message;
    }

    // Drift, as someone else's nft commands would cause it.

    synchronized void deleteTable() {
        table = null;
    }

    synchronized void deleteElement(Element e) {
        table.elements.get(e.set()).remove(e);
    }

    synchronized void addElement(Element e) {
        table.elements.get(e.set()).add(e);
    }

    synchronized void deleteRule(String chain, int index) {
        table.chains.get(chain).rules().remove(index);
    }

    synchronized void addRule(String chain, Rule rule) {
        table.chains.get(chain).rules().add(rule);
    }

    synchronized void deleteChain(String chain) {
        table.chains.remove(chain);
    }

    /** Replaces a chain's attachment, keeping its rules (e.g. someone set its policy to drop). */
    synchronized void replaceChainSpec(ChainSpec spec) {
        table.chains.put(spec.name(), new Chain(spec, table.chains.get(spec.name()).rules()));
    }

    synchronized void addForeignSet(SetSpec spec) {
        table.sets.put(spec.name(), spec);
        table.elements.put(spec.name(), new HashSet<>());
    }
}

package dev.fleetnet.agent.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What fleetnet's table holds (or should hold), as values: each chain's attachment and ordered
 * rules, each set's declaration and elements. Keys are chain and set names.
 */
public record PolicyState(Map<String, ChainState> chains, Map<String, SetState> sets) {

    public PolicyState {
        chains = Map.copyOf(chains);
        sets = Map.copyOf(sets);
    }

    /** One chain: how it is attached and its rules in order. */
    public record ChainState(ChainSpec spec, List<Rule> rules) {
        public ChainState {
            rules = List.copyOf(rules);
        }

        /** The rules' comments in order ("" for a rule without one). */
        public List<String> comments() {
            return rules.stream().map(Rule::comment).toList();
        }
    }

    /** One set: its declaration and its elements. */
    public record SetState(SetSpec spec, Set<Element> elements) {
        public SetState {
            elements = Set.copyOf(elements);
        }
    }
}

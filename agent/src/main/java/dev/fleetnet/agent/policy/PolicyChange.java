package dev.fleetnet.agent.policy;

/** One step of a batch a {@link PacketFilter} applies atomically, on fleetnet's own table only. */
public sealed interface PolicyChange {

    /** Creates the table; nothing if it exists. */
    record AddTable() implements PolicyChange {}

    /** Declares a set; nothing if it exists with this declaration. */
    record AddSet(SetSpec spec) implements PolicyChange {}

    /** Deletes a set no rule refers to any more. */
    record DeleteSet(String name) implements PolicyChange {}

    /** Creates a base chain; an existing one with the same hook gets this policy. */
    record AddChain(ChainSpec spec) implements PolicyChange {}

    /** Deletes a chain and its rules. */
    record DeleteChain(String name) implements PolicyChange {}

    /** Deletes every rule of a chain, keeping the chain. */
    record FlushChain(String name) implements PolicyChange {}

    /** Appends a rule to a chain. */
    record AddRule(String chain, Rule rule) implements PolicyChange {}

    /** Adds an element to its set; nothing if it is already there. */
    record AddElement(Element element) implements PolicyChange {}

    /** Deletes an element from its set; fails if it is not there. */
    record DeleteElement(Element element) implements PolicyChange {}
}

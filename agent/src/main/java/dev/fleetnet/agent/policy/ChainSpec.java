package dev.fleetnet.agent.policy;

/** A base chain's attachment: its name, type, netfilter hook, priority and default policy. */
public record ChainSpec(String name, String type, String hook, int priority, String policy) {

    /** A {@code filter} chain with policy {@code accept}: fleetnet only ever drops what it matched. */
    public static ChainSpec filter(String name, String hook, int priority) {
        return new ChainSpec(name, "filter", hook, priority, "accept");
    }

    /** Reads like nft: {@code type filter hook forward priority 0; policy accept}. */
    public String describe() {
        if (hook == null) {
            return "regular chain (no hook)";
        }
        return "type " + type + " hook " + hook + " priority " + priority + "; policy " + policy;
    }
}

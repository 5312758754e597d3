package dev.fleetnet.agent.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.fleetnet.agent.policy.Element.ExposedPort;
import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.Match.ConnectionState;
import dev.fleetnet.agent.policy.Match.Destination;
import dev.fleetnet.agent.policy.Match.Icmpv6Type;
import dev.fleetnet.agent.policy.Match.InSet;
import dev.fleetnet.agent.policy.Match.InputInterface;
import dev.fleetnet.agent.policy.Match.OutputInterface;
import dev.fleetnet.agent.policy.Match.Ipv4;
import dev.fleetnet.agent.policy.Match.Source;
import dev.fleetnet.agent.policy.Match.Transport;
import dev.fleetnet.agent.policy.PolicyChange.AddChain;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.AddSet;
import dev.fleetnet.agent.policy.PolicyChange.AddTable;
import dev.fleetnet.agent.policy.PolicyChange.DeleteChain;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyChange.DeleteSet;
import dev.fleetnet.agent.policy.PolicyChange.FlushChain;
import java.util.List;

/** Pure: a batch of {@link PolicyChange}s in libnftables' JSON schema, for {@code nft -j -f -}. */
final class NftJson {
    private static final String FAMILY = "inet";

    private NftJson() {}

    /** One JSON document; runs of element changes to the same set become one command each. */
    static String batch(String table, List<PolicyChange> changes) {
        JsonArray commands = new JsonArray();
        String runKey = null;
        JsonArray run = null;
        for (PolicyChange change : changes) {
            Element e = change instanceof AddElement add ? add.element()
                    : change instanceof DeleteElement delete ? delete.element() : null;
            if (e != null) {
                String verb = change instanceof AddElement ? "add" : "delete";
                String key = verb + " " + e.set();
                if (!key.equals(runKey)) {
                    JsonObject element = object(table, e.set());
                    run = new JsonArray();
                    element.add("elem", run);
                    commands.add(command(verb, "element", element));
                    runKey = key;
                }
                run.add(element(e));
                continue;
            }
            runKey = null;
            commands.add(switch (change) {
                case AddTable t -> command("add", "table", table(table));
                case AddSet(SetSpec spec) -> command("add", "set", set(table, spec));
                case DeleteSet(String name) -> command("delete", "set", object(table, name));
                case AddChain(ChainSpec spec) -> command("add", "chain", chain(table, spec));
                case DeleteChain(String name) -> command("delete", "chain", object(table, name));
                case FlushChain(String name) -> command("flush", "chain", object(table, name));
                case AddRule(String chain, Rule rule) -> command("add", "rule", rule(table, chain, rule));
                case AddElement a -> throw new AssertionError(a);
                case DeleteElement d -> throw new AssertionError(d);
            });
        }
        JsonObject root = new JsonObject();
        root.add("nftables", commands);
        return root.toString();
    }

    private static JsonObject command(String verb, String kind, JsonObject body) {
        JsonObject inner = new JsonObject();
        inner.add(kind, body);
        JsonObject outer = new JsonObject();
        outer.add(verb, inner);
        return outer;
    }

    private static JsonObject table(String table) {
        JsonObject o = new JsonObject();
        o.addProperty("family", FAMILY);
        o.addProperty("name", table);
        return o;
    }

    /** A set or chain reference: family, table, name. */
    private static JsonObject object(String table, String name) {
        JsonObject o = new JsonObject();
        o.addProperty("family", FAMILY);
        o.addProperty("table", table);
        o.addProperty("name", name);
        return o;
    }

    private static JsonObject set(String table, SetSpec spec) {
        JsonObject o = object(table, spec.name());
        o.add("type", strings(spec.keyTypes()));
        if (!spec.flags().isEmpty()) {
            o.add("flags", strings(spec.flags().stream().sorted().toList()));
        }
        return o;
    }

    private static JsonObject chain(String table, ChainSpec spec) {
        JsonObject o = object(table, spec.name());
        if (spec.hook() != null) {
            o.addProperty("type", spec.type());
            o.addProperty("hook", spec.hook());
            o.addProperty("prio", spec.priority());
            o.addProperty("policy", spec.policy());
        }
        return o;
    }

    private static JsonObject rule(String table, String chain, Rule rule) {
        JsonObject o = new JsonObject();
        o.addProperty("family", FAMILY);
        o.addProperty("table", table);
        o.addProperty("chain", chain);
        o.addProperty("comment", rule.comment());
        JsonArray expr = new JsonArray();
        rule.matches().forEach(m -> addMatch(expr, m));
        if (rule.verdict() != null) {
            JsonObject verdict = new JsonObject();
            verdict.add(rule.verdict().name().toLowerCase(java.util.Locale.ROOT), JsonNull.INSTANCE);
            expr.add(verdict);
        }
        o.add("expr", expr);
        return o;
    }

    /** Appends the expression(s) of one match: most are one, a transport match is two. */
    private static void addMatch(JsonArray expr, Match m) {
        switch (m) {
            case InputInterface(String name) -> expr.add(match("==", meta("iifname"), new JsonPrimitive(name)));
            case OutputInterface(String name) -> expr.add(match("==", meta("oifname"), new JsonPrimitive(name)));
            case Ipv4() -> expr.add(match("==", meta("nfproto"), new JsonPrimitive("ipv4")));
            case Source(String address) -> expr.add(match("==", payload("ip6", "saddr"), address(address)));
            case Destination(String address) -> expr.add(match("==", payload("ip6", "daddr"), address(address)));
            case ConnectionState(List<String> states) -> expr.add(match("in", keyed("ct", "state"), strings(states)));
            case Icmpv6Type(List<String> types) -> expr.add(match("==", payload("icmpv6", "type"), anonymousSet(strings(types))));
            case Transport(List<String> protocols, int port) -> {
                expr.add(match("==", meta("l4proto"), anonymousSet(strings(protocols))));
                expr.add(match("==", payload("th", "dport"), new JsonPrimitive(port)));
            }
            case InSet(List<Match.Key> keys, String set, boolean negated) -> {
                JsonArray concat = new JsonArray();
                keys.forEach(k -> concat.add(key(k)));
                JsonObject left = new JsonObject();
                left.add("concat", concat);
                expr.add(match(negated ? "!=" : "==", left, new JsonPrimitive("@" + set)));
            }
            case Match.Unrecognized u -> throw new IllegalArgumentException("match: " + u + " (expected: one fleetnet writes; this one was read back)");
        }
    }

    private static JsonElement key(Match.Key key) {
        return switch (key) {
            case INPUT_INTERFACE -> meta("iifname");
            case SOURCE -> payload("ip6", "saddr");
            case DESTINATION -> payload("ip6", "daddr");
            case L4_PROTOCOL -> meta("l4proto");
            case DESTINATION_PORT -> payload("th", "dport");
        };
    }

    /** An element as the value nft expects for its set's key type. */
    static JsonElement element(Element e) {
        JsonArray concat = new JsonArray();
        switch (e) {
            case GuestSource(String link, String address) -> {
                concat.add(link);
                concat.add(address);
            }
            case NetworkPair(String source, String destination) -> {
                concat.add(address(source));
                concat.add(address(destination));
            }
            case ExposedPort(String address, String protocol, int port) -> {
                concat.add(address);
                concat.add(protocol);
                concat.add(port);
            }
        }
        JsonObject o = new JsonObject();
        o.add("concat", concat);
        return o;
    }

    /** {@code fdaa::/16} as a prefix, {@code a-b} as a range, anything else as an address. */
    private static JsonElement address(String text) {
        int slash = text.indexOf('/');
        int dash = text.indexOf('-');
        if (slash >= 0) {
            JsonObject prefix = new JsonObject();
            prefix.addProperty("addr", text.substring(0, slash));
            prefix.addProperty("len", Integer.parseInt(text.substring(slash + 1)));
            JsonObject o = new JsonObject();
            o.add("prefix", prefix);
            return o;
        }
        if (dash >= 0) {
            JsonObject o = new JsonObject();
            o.add("range", strings(List.of(text.substring(0, dash), text.substring(dash + 1))));
            return o;
        }
        return new JsonPrimitive(text);
    }

    private static JsonObject match(String op, JsonElement left, JsonElement right) {
        JsonObject match = new JsonObject();
        match.addProperty("op", op);
        match.add("left", left);
        match.add("right", right);
        JsonObject o = new JsonObject();
        o.add("match", match);
        return o;
    }

    private static JsonObject meta(String key) {
        return keyed("meta", key);
    }

    private static JsonObject keyed(String kind, String key) {
        JsonObject inner = new JsonObject();
        inner.addProperty("key", key);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }

    private static JsonObject payload(String protocol, String field) {
        JsonObject inner = new JsonObject();
        inner.addProperty("protocol", protocol);
        inner.addProperty("field", field);
        JsonObject o = new JsonObject();
        o.add("payload", inner);
        return o;
    }

    private static JsonObject anonymousSet(JsonArray members) {
        JsonObject o = new JsonObject();
        o.add("set", members);
        return o;
    }

    private static JsonArray strings(List<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }
}

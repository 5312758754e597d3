package dev.fleetnet.agent.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.fleetnet.agent.policy.Match.ConnectionState;
import dev.fleetnet.agent.policy.Match.Destination;
import dev.fleetnet.agent.policy.Match.Icmpv6Type;
import dev.fleetnet.agent.policy.Match.InSet;
import dev.fleetnet.agent.policy.Match.InputInterface;
import dev.fleetnet.agent.policy.Match.OutputInterface;
import dev.fleetnet.agent.policy.Match.Ipv4;
import dev.fleetnet.agent.policy.Match.Key;
import dev.fleetnet.agent.policy.Match.Source;
import dev.fleetnet.agent.policy.Match.Transport;
import dev.fleetnet.agent.policy.Match.Unrecognized;
import dev.fleetnet.core.Ipv6;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure: one rule of {@code nft -j list table} back into the {@link Match} vocabulary {@link NftJson}
 * writes, so a rule changed under its old comment still compares unequal. Expressions fleetnet
 * never writes are kept as {@link Unrecognized}.
 */
final class NftRuleReader {
    private NftRuleReader() {}

    static Rule rule(JsonObject r) {
        JsonElement comment = r.get("comment");
        JsonArray expr = r.has("expr") ? r.getAsJsonArray("expr") : new JsonArray();
        List<Match> matches = new ArrayList<>();
        Rule.Verdict verdict = null;
        for (int i = 0; i < expr.size(); i++) {
            JsonElement e = expr.get(i);
            if (i == expr.size() - 1 && verdict(e) != null) {
                verdict = verdict(e);
                continue;
            }
            Match m = match(e);
            // meta l4proto { tcp, udp } followed by th dport N is one Transport match.
            if (m instanceof Unrecognized && i + 1 < expr.size() && isMatch(e, "meta", "l4proto") && isMatch(expr.get(i + 1), "payload", "dport")) {
                JsonObject dport = expr.get(i + 1).getAsJsonObject().getAsJsonObject("match");
                if ("==".equals(op(e)) && "==".equals(dport.get("op").getAsString()) && dport.get("right").isJsonPrimitive()) {
                    matches.add(new Transport(strings(right(e)), dport.get("right").getAsInt()));
                    i++;
                    continue;
                }
            }
            matches.add(m);
        }
        return new Rule(matches, verdict, comment == null || comment.isJsonNull() ? "" : comment.getAsString());
    }

    private static Rule.Verdict verdict(JsonElement e) {
        if (!e.isJsonObject() || e.getAsJsonObject().size() != 1) {
            return null;
        }
        JsonObject o = e.getAsJsonObject();
        return o.has("accept") ? Rule.Verdict.ACCEPT : o.has("drop") ? Rule.Verdict.DROP : null;
    }

    private static Match match(JsonElement e) {
        Unrecognized unrecognized = new Unrecognized(e.toString());
        if (!e.isJsonObject() || !e.getAsJsonObject().has("match")) {
            return unrecognized;
        }
        JsonObject m = e.getAsJsonObject().getAsJsonObject("match");
        String op = m.get("op").getAsString();
        JsonElement left = m.get("left");
        JsonElement right = m.get("right");
        try {
            if (left.getAsJsonObject().has("concat") && right.isJsonPrimitive() && right.getAsString().startsWith("@")
                    && (op.equals("==") || op.equals("!="))) {
                List<Key> keys = new ArrayList<>();
                for (JsonElement k : left.getAsJsonObject().getAsJsonArray("concat")) {
                    Key key = key(k);
                    if (key == null) {
                        return unrecognized;
                    }
                    keys.add(key);
                }
                return new InSet(keys, right.getAsString().substring(1), op.equals("!="));
            }
            Key key = key(left);
            if (op.equals("in") && isKeyed(left, "ct", "state")) {
                return new ConnectionState(strings(right));
            }
            if (!op.equals("==")) {
                return unrecognized;
            }
            if (key == Key.INPUT_INTERFACE && right.isJsonPrimitive()) {
                return new InputInterface(right.getAsString());
            }
            if (isKeyed(left, "meta", "oifname") && right.isJsonPrimitive()) {
                return new OutputInterface(right.getAsString());
            }
            if (isKeyed(left, "meta", "nfproto") && right.isJsonPrimitive() && right.getAsString().equals("ipv4")) {
                return new Ipv4();
            }
            if (key == Key.SOURCE) {
                return new Source(address(right));
            }
            if (key == Key.DESTINATION) {
                return new Destination(address(right));
            }
            if (isPayload(left, "icmpv6", "type")) {
                return new Icmpv6Type(strings(right));
            }
        } catch (RuntimeException ex) {
            return unrecognized; // a shape fleetnet does not write
        }
        return unrecognized;
    }

    /** The set lookup key an expression reads, or null. */
    private static Key key(JsonElement e) {
        if (isKeyed(e, "meta", "iifname")) {
            return Key.INPUT_INTERFACE;
        }
        if (isKeyed(e, "meta", "l4proto")) {
            return Key.L4_PROTOCOL;
        }
        if (isPayload(e, "ip6", "saddr")) {
            return Key.SOURCE;
        }
        if (isPayload(e, "ip6", "daddr")) {
            return Key.DESTINATION;
        }
        return isPayload(e, "th", "dport") ? Key.DESTINATION_PORT : null;
    }

    private static boolean isKeyed(JsonElement e, String kind, String key) {
        return e.isJsonObject() && e.getAsJsonObject().has(kind) && e.getAsJsonObject().get(kind).isJsonObject()
                && e.getAsJsonObject().getAsJsonObject(kind).has("key")
                && key.equals(e.getAsJsonObject().getAsJsonObject(kind).get("key").getAsString());
    }

    private static boolean isPayload(JsonElement e, String protocol, String field) {
        if (!e.isJsonObject() || !e.getAsJsonObject().has("payload")) {
            return false;
        }
        JsonObject p = e.getAsJsonObject().getAsJsonObject("payload");
        return p.has("protocol") && protocol.equals(p.get("protocol").getAsString()) && field.equals(p.get("field").getAsString());
    }

    /** True if {@code e} is a match on {@code meta KEY} or {@code payload … FIELD}. */
    private static boolean isMatch(JsonElement e, String kind, String keyOrField) {
        if (!e.isJsonObject() || !e.getAsJsonObject().has("match")) {
            return false;
        }
        JsonElement left = e.getAsJsonObject().getAsJsonObject("match").get("left");
        return kind.equals("meta") ? isKeyed(left, "meta", keyOrField) : isPayload(left, "th", keyOrField);
    }

    private static String op(JsonElement e) {
        return e.getAsJsonObject().getAsJsonObject("match").get("op").getAsString();
    }

    private static JsonElement right(JsonElement e) {
        return e.getAsJsonObject().getAsJsonObject("match").get("right");
    }

    /** A string, an array of strings, or an anonymous set {@code {"set": [...]}} of strings. */
    private static List<String> strings(JsonElement e) {
        if (e.isJsonPrimitive()) {
            return List.of(e.getAsString());
        }
        JsonArray a = e.isJsonArray() ? e.getAsJsonArray() : e.getAsJsonObject().getAsJsonArray("set");
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.getAsString()));
        return out;
    }

    /** An address or {@code {"prefix": …}}, in the spelling {@link NftJson} writes (canonical, {@code a/len}). */
    private static String address(JsonElement e) {
        if (e.isJsonPrimitive()) {
            return Ipv6.canonical(e.getAsString());
        }
        JsonObject p = e.getAsJsonObject().getAsJsonObject("prefix");
        return Ipv6.canonical(p.get("addr").getAsString()) + "/" + p.get("len").getAsInt();
    }
}

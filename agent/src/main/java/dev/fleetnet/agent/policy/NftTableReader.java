package dev.fleetnet.agent.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.fleetnet.agent.policy.Element.ExposedPort;
import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import dev.fleetnet.agent.policy.PolicyState.SetState;
import dev.fleetnet.core.Ipv6;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure: the output of {@code nft -j list table inet fleetnet} as a {@link PolicyState}. Elements are
 * typed only in sets declared as fleetnet declares them; any other set is read as empty (the
 * planner deletes or recreates it anyway).
 */
final class NftTableReader {
    private NftTableReader() {}

    /** Parses the listing; throws IllegalArgumentException naming what was not understood. */
    static PolicyState parse(String json) {
        JsonArray items;
        try {
            items = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("nftables");
        } catch (JsonParseException | IllegalStateException | ClassCastException e) {
            throw new IllegalArgumentException("nft JSON: " + abbreviate(json) + " (expected: an object with an \"nftables\" array)", e);
        }
        if (items == null) {
            throw new IllegalArgumentException("nft JSON: " + abbreviate(json) + " (expected: an object with an \"nftables\" array)");
        }
        Map<String, ChainSpec> chainSpecs = new LinkedHashMap<>();
        Map<String, List<Rule>> rules = new LinkedHashMap<>();
        Map<String, SetState> sets = new LinkedHashMap<>();
        for (JsonElement item : items) {
            JsonObject o = item.getAsJsonObject();
            if (o.has("set")) {
                SetState set = set(o.getAsJsonObject("set"));
                sets.put(set.spec().name(), set);
            } else if (o.has("chain")) {
                JsonObject c = o.getAsJsonObject("chain");
                String name = c.get("name").getAsString();
                chainSpecs.put(name, new ChainSpec(name, string(c, "type"), string(c, "hook"),
                        c.has("prio") ? c.get("prio").getAsInt() : 0, string(c, "policy")));
                rules.putIfAbsent(name, new ArrayList<>());
            } else if (o.has("rule")) {
                JsonObject r = o.getAsJsonObject("rule");
                rules.computeIfAbsent(r.get("chain").getAsString(), k -> new ArrayList<>()).add(NftRuleReader.rule(r));
            }
        }
        Map<String, ChainState> chains = new LinkedHashMap<>();
        chainSpecs.forEach((name, spec) -> chains.put(name, new ChainState(spec, rules.get(name))));
        return new PolicyState(chains, sets);
    }

    private static SetState set(JsonObject s) {
        String name = s.get("name").getAsString();
        JsonElement type = s.get("type");
        List<String> keyTypes = type == null ? List.of() : type.isJsonArray() ? strings(type.getAsJsonArray()) : List.of(type.getAsString());
        JsonElement flagsJson = s.get("flags");
        Set<String> flags = flagsJson == null ? Set.of()
                : flagsJson.isJsonArray() ? Set.copyOf(strings(flagsJson.getAsJsonArray())) : Set.of(flagsJson.getAsString());
        SetSpec spec = new SetSpec(name, keyTypes, flags);
        Set<Element> elements = new HashSet<>();
        boolean ours = PolicyRules.SETS.contains(spec);
        if (ours && s.has("elem")) {
            for (JsonElement e : s.getAsJsonArray("elem")) {
                elements.add(element(name, e));
            }
        }
        return new SetState(spec, elements);
    }

    /** One element of one of fleetnet's sets; {@code {"elem": {"val": …}}} wraps elements with counters or comments. */
    static Element element(String set, JsonElement raw) {
        JsonElement value = raw;
        if (value.isJsonObject() && value.getAsJsonObject().has("elem")) {
            value = value.getAsJsonObject().getAsJsonObject("elem").get("val");
        }
        try {
            JsonArray concat = value.getAsJsonObject().getAsJsonArray("concat");
            return switch (set) {
                case PolicyRules.GUEST_SOURCES -> new GuestSource(concat.get(0).getAsString(), Ipv6.canonical(concat.get(1).getAsString()));
                case PolicyRules.SAME_NETWORK -> new NetworkPair(interval(concat.get(0)), interval(concat.get(1)));
                case PolicyRules.EXPOSED -> new ExposedPort(Ipv6.canonical(concat.get(0).getAsString()),
                        concat.get(1).getAsString(), Integer.parseInt(concat.get(2).getAsString()));
                default -> throw new IllegalArgumentException("set " + set);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("element of set " + set + ": " + raw + " (expected: the concatenation "
                    + PolicyRules.set(set).describe() + ")", e);
        }
    }

    /** An address, a prefix {@code a/len} or a range {@code a-b}, each address in canonical form. */
    private static String interval(JsonElement e) {
        if (e.isJsonPrimitive()) {
            return Ipv6.canonical(e.getAsString());
        }
        JsonObject o = e.getAsJsonObject();
        if (o.has("prefix")) {
            JsonObject p = o.getAsJsonObject("prefix");
            return Ipv6.canonical(p.get("addr").getAsString()) + "/" + p.get("len").getAsInt();
        }
        JsonArray range = o.getAsJsonArray("range");
        return Ipv6.canonical(range.get(0).getAsString()) + "-" + Ipv6.canonical(range.get(1).getAsString());
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? "'" + text + "'" : "'" + text.substring(0, 200) + "…'";
    }
}

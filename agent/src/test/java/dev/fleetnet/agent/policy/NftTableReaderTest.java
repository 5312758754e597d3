package dev.fleetnet.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.fleetnet.agent.policy.Element.ExposedPort;
import dev.fleetnet.agent.policy.Element.GuestSource;
import dev.fleetnet.agent.policy.Element.NetworkPair;
import dev.fleetnet.agent.policy.PolicyChange.AddElement;
import dev.fleetnet.agent.policy.PolicyChange.AddRule;
import dev.fleetnet.agent.policy.PolicyChange.DeleteElement;
import dev.fleetnet.agent.policy.PolicyState.ChainState;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** nft's JSON both ways: a listing as nft 1.0.6 prints it, read into values; a batch written from values. */
class NftTableReaderTest {
    /** Printed by nft 1.0.6 (spacing kept), with an element comment, a range, a foreign chain and a rule without comment. */
    private static final String LISTING = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
             {"table": {"family": "inet", "name": "fleetnet", "handle": 1}},
             {"set": {"family": "inet", "name": "guest_sources", "table": "fleetnet", "type": ["ifname", "ipv6_addr"], "handle": 2,
               "elem": [{"elem": {"val": {"concat": ["fm00000000000a", "fdaa:0:1:0:1:0:1:0"]}, "comment": "by hand"}}]}},
             {"set": {"family": "inet", "name": "same_network", "table": "fleetnet", "type": ["ipv6_addr", "ipv6_addr"], "handle": 3,
               "flags": ["interval"], "elem": [{"concat": [{"prefix": {"addr": "fdaa:0:1::", "len": 48}}, {"prefix": {"addr": "fdaa:0:1::", "len": 48}}]},
               {"concat": [{"range": ["fdaa:0:1::1", "fdaa:0:1::9"]}, "fdaa:0:2::5"]}]}},
             {"set": {"family": "inet", "name": "exposed", "table": "fleetnet", "type": ["ipv6_addr", "inet_proto", "inet_service"], "handle": 4,
               "elem": [{"concat": ["fdaa:0:1:0:1:0:1:0", "tcp", 80]}]}},
             {"set": {"family": "inet", "name": "blocked", "table": "fleetnet", "type": "ipv6_addr", "handle": 5, "elem": ["fdaa::9"]}},
             {"chain": {"family": "inet", "table": "fleetnet", "name": "forward", "handle": 6, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}},
             {"chain": {"family": "inet", "table": "fleetnet", "name": "extra", "handle": 7}},
             {"rule": {"family": "inet", "table": "fleetnet", "chain": "forward", "handle": 8, "comment": "replies and errors of accepted flows",
               "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}},
             {"rule": {"family": "inet", "table": "fleetnet", "chain": "forward", "handle": 9,
               "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "fm*"}}, {"drop": null}]}}]}
            """;

    @Test
    void readsChainsSetsAndElementsAsValues() {
        PolicyState state = NftTableReader.parse(LISTING);
        assertThat(state.chains()).containsOnlyKeys("forward", "extra");
        assertThat(state.chains().get("forward")).isEqualTo(new ChainState(ChainSpec.filter("forward", "forward", 0), List.of(
                Rule.of("replies and errors of accepted flows", Rule.Verdict.ACCEPT, new Match.ConnectionState(List.of("established", "related"))),
                Rule.of("", Rule.Verdict.DROP, new Match.InputInterface("fm*")))));
        assertThat(state.chains().get("extra")).isEqualTo(new ChainState(new ChainSpec("extra", null, null, 0, null), List.of()));
        assertThat(state.sets().get("guest_sources").elements()).containsExactly(new GuestSource("fm00000000000a", "fdaa:0:1:0:1:0:1:0"));
        assertThat(state.sets().get("same_network").elements()).containsExactlyInAnyOrder(NetworkPair.of(1),
                new NetworkPair("fdaa:0:1::1-fdaa:0:1::9", "fdaa:0:2::5"));
        assertThat(state.sets().get("exposed").elements()).containsExactly(ExposedPort.tcp("fdaa:0:1:0:1:0:1:0", 80));
        assertThat(state.sets().get("blocked").spec()).isEqualTo(new SetSpec("blocked", List.of("ipv6_addr"), Set.of()));
        assertThat(state.sets().get("blocked").elements()).as("a foreign set's elements are not typed").isEmpty();
    }

    @Test
    void readsBackEveryRuleFleetnetWritesAsTheSameValue() {
        // What nft 1.0.6 lists is what NftJson wrote (the IT proves it on the real nft); here: the reader inverts the writer.
        for (PolicyRules.Chain chain : PolicyRules.chains("flwg1")) {
            for (Rule rule : chain.rules()) {
                com.google.gson.JsonObject written = JsonParser.parseString(NftJson.batch("fleetnet", List.of(new AddRule(chain.spec().name(), rule))))
                        .getAsJsonObject().getAsJsonArray("nftables").get(0).getAsJsonObject().getAsJsonObject("add").getAsJsonObject("rule");
                assertThat(NftRuleReader.rule(written)).as(rule.comment()).isEqualTo(rule);
            }
        }
    }

    @Test
    void keepsExpressionsItDoesNotWriteAsUnrecognized() {
        com.google.gson.JsonObject rule = JsonParser.parseString("""
                {"family": "inet", "table": "fleetnet", "chain": "forward", "handle": 9, "expr": [
                 {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "fm*"}}, {"counter": {"packets": 0, "bytes": 0}},
                 {"jump": {"target": "elsewhere"}}]}
                """).getAsJsonObject();
        assertThat(NftRuleReader.rule(rule)).isEqualTo(new Rule(List.of(new Match.InputInterface("fm*"),
                new Match.Unrecognized("{\"counter\":{\"packets\":0,\"bytes\":0}}"),
                new Match.Unrecognized("{\"jump\":{\"target\":\"elsewhere\"}}")), null, ""));
    }

    @Test
    void refusesWhatItDoesNotUnderstandWithTheValue() {
        assertThatThrownBy(() -> NftTableReader.parse("[]")).hasMessage("nft JSON: '[]' (expected: an object with an \"nftables\" array)");
        String badElement = LISTING.replace("\"tcp\", 80", "\"tcp\"");
        assertThatThrownBy(() -> NftTableReader.parse(badElement)).hasMessage("element of set exposed: "
                + "{\"concat\":[\"fdaa:0:1:0:1:0:1:0\",\"tcp\"]} (expected: the concatenation type ipv6_addr . inet_proto . inet_service)");
    }

    @Test
    void writesRunsOfElementChangesAsOneCommandEach() {
        String json = NftJson.batch("fleetnet", List.of(
                new AddElement(new GuestSource("fm00000000000a", "fdaa:0:1:0:1:0:1:0")),
                new AddElement(new GuestSource("fm00000000000b", "fdaa:0:1:0:1:0:2:0")),
                new DeleteElement(NetworkPair.of(2)),
                new AddElement(ExposedPort.tcp("fdaa:0:1:0:1:0:1:0", 80))));
        assertThat(JsonParser.parseString(json)).isEqualTo(JsonParser.parseString("""
                {"nftables": [
                 {"add": {"element": {"family": "inet", "table": "fleetnet", "name": "guest_sources", "elem": [
                   {"concat": ["fm00000000000a", "fdaa:0:1:0:1:0:1:0"]}, {"concat": ["fm00000000000b", "fdaa:0:1:0:1:0:2:0"]}]}}},
                 {"delete": {"element": {"family": "inet", "table": "fleetnet", "name": "same_network", "elem": [
                   {"concat": [{"prefix": {"addr": "fdaa:0:2::", "len": 48}}, {"prefix": {"addr": "fdaa:0:2::", "len": 48}}]}]}}},
                 {"add": {"element": {"family": "inet", "table": "fleetnet", "name": "exposed", "elem": [
                   {"concat": ["fdaa:0:1:0:1:0:1:0", "tcp", 80]}]}}}]}
                """));
    }

    @Test
    void writesARuleAsNftWouldListIt() {
        Rule spoof = PolicyRules.chains("flwg1").get(0).rules().get(3);
        String json = NftJson.batch("fleetnet", List.of(new AddRule("spoof", spoof)));
        assertThat(JsonParser.parseString(json)).isEqualTo(JsonParser.parseString("""
                {"nftables": [{"add": {"rule": {"family": "inet", "table": "fleetnet", "chain": "spoof",
                  "comment": "guest links: only a machine's own address on its own link", "expr": [
                  {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "fm*"}},
                  {"match": {"op": "!=", "left": {"concat": [{"meta": {"key": "iifname"}}, {"payload": {"protocol": "ip6", "field": "saddr"}}]},
                             "right": "@guest_sources"}},
                  {"drop": null}]}}}]}
                """));
    }
}

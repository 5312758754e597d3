package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static dev.fleetnet.agent.policy.Fixtures.C;
import static dev.fleetnet.agent.policy.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.agent.Sandbox;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packet filter contract against the real nftables in a namespace the test creates, plus what
 * only the real one shows: rule handles kept across machine changes, repair of drift made with
 * the {@code nft} CLI, and other tables left byte for byte as they were.
 */
class NftPacketFilterIT extends PacketFilterContract {
    private Sandbox sandbox;
    private String ns;
    private NftPacketFilter filter;

    @BeforeEach
    void namespace() {
        sandbox = new Sandbox();
        ns = sandbox.namespace("h");
        filter = new NftPacketFilter(ns);
    }

    @AfterEach
    void cleanup() {
        sandbox.close();
    }

    @Override
    PacketFilter filter() {
        return filter;
    }

    private String nft(String... args) {
        String[] argv = new String[args.length + 5];
        System.arraycopy(new String[] {"ip", "netns", "exec", ns, "nft"}, 0, argv, 0, 5);
        System.arraycopy(args, 0, argv, 5, args.length);
        return Sandbox.run(argv);
    }

    /** The chains with rule handles, as {@code nft -a} prints them (sets excluded: their elements change). */
    private String chainsWithHandles() {
        StringBuilder sb = new StringBuilder();
        for (String chain : List.of(PolicyRules.SPOOF, PolicyRules.INPUT, PolicyRules.FORWARD)) {
            sb.append(nft("-a", "list", "chain", "inet", PolicyRules.TABLE, chain));
        }
        return sb.toString();
    }

    @Test
    void machineChangesKeepEveryRuleAndItsHandle() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, B));
        String before = chainsWithHandles();
        assertThat(before).contains("comment \"guest links: only a machine's own address on its own link\" # handle");

        assertThat(reconciler.reconcile(policy(A, B, C))).isNotEmpty();
        assertThat(reconciler.reconcile(policy(A, C))).isNotEmpty();
        assertThat(reconciler.reconcile(policy(A.withExposedTcpPorts(java.util.Set.of(80, 8443)), C))).isNotEmpty();

        assertThat(chainsWithHandles()).isEqualTo(before);
        assertThat(nft("list", "set", "inet", PolicyRules.TABLE, PolicyRules.GUEST_SOURCES))
                .contains("\"" + A.link() + "\" . " + A.address()).contains("\"" + C.link() + "\" . " + C.address())
                .doesNotContain(B.link());
        assertThat(nft("list", "set", "inet", PolicyRules.TABLE, PolicyRules.EXPOSED)).contains(A.address() + " . tcp . 8443");
        assertThat(reconciler.repair(policy(A.withExposedTcpPorts(java.util.Set.of(80, 8443)), C))).isEmpty();
    }

    @Test
    void repairRestoresAnElementDeletedByHand() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, B));
        nft("delete", "element", "inet", PolicyRules.TABLE, PolicyRules.GUEST_SOURCES, "{ \"" + B.link() + "\" . " + B.address() + " }");
        nft("add", "element", "inet", PolicyRules.TABLE, PolicyRules.SAME_NETWORK, "{ fdaa:0:1::/48 . fdaa:0:2::/48 }");

        assertThat(reconciler.reconcile(policy(A, B))).as("reconcile trusts what it applied").isEmpty();
        assertThat(reconciler.repair(policy(A, B))).containsExactlyInAnyOrder(
                "guest_sources: \"" + B.link() + "\" . " + B.address() + " was missing: added",
                "same_network: unexpected element fdaa:0:1::/48 . fdaa:0:2::/48: deleted");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A, B)));
        assertThat(reconciler.repair(policy(A, B))).isEmpty();
    }

    @Test
    void repairRestoresARuleDeletedByHand() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A));
        Matcher handle = Pattern.compile("comment \"guest links: within the same network\" # handle (\\d+)")
                .matcher(nft("-a", "list", "chain", "inet", PolicyRules.TABLE, PolicyRules.FORWARD));
        assertThat(handle.find()).isTrue();
        nft("delete", "rule", "inet", PolicyRules.TABLE, PolicyRules.FORWARD, "handle", handle.group(1));

        assertThat(reconciler.repair(policy(A)))
                .containsExactly("chain forward: rules rebuilt (missing: 'guest links: within the same network')");
        assertThat(nft("list", "chain", "inet", PolicyRules.TABLE, PolicyRules.FORWARD))
                .contains("iifname \"fm*\" ip6 saddr . ip6 daddr @same_network accept comment \"guest links: within the same network\"");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A)));
    }

    @Test
    void repairRestoresARuleReplacedByHandUnderItsOldComment() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, C));
        String comment = "guest links: within the same network";
        Matcher handle = Pattern.compile("comment \"" + comment + "\" # handle (\\d+)")
                .matcher(nft("-a", "list", "chain", "inet", PolicyRules.TABLE, PolicyRules.FORWARD));
        assertThat(handle.find()).isTrue();
        // Accepts every destination, other networks included, and still looks like the old rule by its comment.
        nft("replace", "rule", "inet", PolicyRules.TABLE, PolicyRules.FORWARD, "handle", handle.group(1),
                "iifname", "\"fm*\"", "accept", "comment", "\"" + comment + "\"");

        assertThat(reconciler.repair(policy(A, C))).containsExactly("chain forward: rules rebuilt (changed: '" + comment + "')");
        assertThat(nft("list", "chain", "inet", PolicyRules.TABLE, PolicyRules.FORWARD))
                .contains("iifname \"fm*\" ip6 saddr . ip6 daddr @same_network accept comment \"" + comment + "\"");
        assertThat(reconciler.repair(policy(A, C))).isEmpty();
    }

    @Test
    void repairRecreatesATableDeletedByHand() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, B, C));
        nft("delete", "table", "inet", PolicyRules.TABLE);

        assertThat(reconciler.repair(policy(A, B, C)))
                .containsExactly("table inet fleetnet was missing: created with 3 sets (8 elements) and 3 chains (19 rules)");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A, B, C)));
    }

    @Test
    void reconcileRereadsWhenTheTableWasDeletedUnderIt() throws IOException {
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, B));
        nft("delete", "table", "inet", PolicyRules.TABLE);

        // The cheap batch (delete B's elements) fails on the missing table; nothing is left half done.
        List<String> changes = reconciler.reconcile(policy(A));
        assertThat(changes.get(0)).startsWith("table was not as last applied (nft apply a batch of");
        assertThat(changes.get(1)).startsWith("created table inet fleetnet with 3 sets (3 elements)");
        assertThat(filter.read()).contains(PolicyPlanner.expected(policy(A)));
    }

    @Test
    void otherTablesAreLeftByteForByte() throws IOException {
        String other = sandbox.prefix() + "other";
        nft("add", "table", "inet", other);
        nft("add", "chain", "inet", other, "theirs", "{ type filter hook forward priority 10; policy accept; }");
        nft("add", "rule", "inet", other, "theirs", "ip6 daddr fdaa::/16 tcp dport 22 counter drop comment \"someone else's\"");
        nft("add", "set", "inet", other, "guest_sources", "{ type ipv6_addr; elements = { fdaa::9 } }");
        String before = nft("-a", "list", "table", "inet", other);

        PolicyReconciler reconciler = new PolicyReconciler(filter);
        reconciler.reconcile(policy(A, B));
        reconciler.reconcile(policy(A, C));
        nft("delete", "table", "inet", PolicyRules.TABLE);
        reconciler.repair(policy(A, C));
        reconciler.repair(new DesiredPolicy("flwg9", policy(A, C).guests()));

        assertThat(nft("-a", "list", "table", "inet", other)).isEqualTo(before);
    }

    @Test
    void errorsNameTheOperationAndCarryNftsMessage() throws IOException {
        new PolicyReconciler(filter).reconcile(policy(A));
        Element absent = new Element.GuestSource(B.link(), B.address());
        assertThatThrownBy(() -> filter.apply(List.of(new PolicyChange.DeleteElement(absent))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("nft apply a batch of 1 changes (1 delete element) in network namespace " + ns + " failed (exit 1): ")
                .hasMessageContaining("No such file or directory");

        NftPacketFilter nowhere = new NftPacketFilter(sandbox.prefix() + "missing");
        assertThatThrownBy(nowhere::read).isInstanceOf(IOException.class)
                .hasMessageContaining("list table inet fleetnet in network namespace " + sandbox.prefix() + "missing failed")
                .hasMessageContaining("Cannot open network namespace");
    }
}

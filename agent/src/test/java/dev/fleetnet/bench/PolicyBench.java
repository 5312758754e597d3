package dev.fleetnet.bench;

import dev.fleetnet.agent.Sandbox;
import dev.fleetnet.agent.policy.DesiredPolicy;
import dev.fleetnet.agent.policy.GuestLink;
import dev.fleetnet.agent.policy.NftPacketFilter;
import dev.fleetnet.agent.policy.PolicyPlanner;
import dev.fleetnet.agent.policy.PolicyReconciler;
import dev.fleetnet.agent.policy.PolicyRules;
import dev.fleetnet.agent.policy.PolicyState;
import dev.fleetnet.core.AddressPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * For {@code bench/policy}: in a fresh namespace, fleetnet's policy for GUESTS machines (default
 * 1000, ten per network, each exposing TCP 80), then N single-machine changes (default 200: add
 * one guest, remove it again, ...) through {@link PolicyReconciler} and {@link NftPacketFilter},
 * interleaved with the same element changes made by one plain {@code nft add/delete element}
 * process each, the peer. Args: [N] [GUESTS]. The namespace is removed even on failure.
 */
public final class PolicyBench {
    private static final int PER_NETWORK = 10;
    private static final int WARMUP = 20;

    private PolicyBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int guests = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Sandbox sandbox = new Sandbox();
        Thread cleanup = new Thread(sandbox::close, "policy-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // also on Ctrl-C / SIGTERM
        try {
            run(sandbox.namespace("h"), n, guests);
        } finally {
            sandbox.close();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private static void run(String ns, int n, int guests) throws Exception {
        List<GuestLink> all = new ArrayList<>();
        for (int i = 0; i < guests; i++) {
            all.add(guest(i));
        }
        DesiredPolicy base = new DesiredPolicy("flwg1", all);
        NftPacketFilter filter = new NftPacketFilter(ns);
        PolicyReconciler reconciler = new PolicyReconciler(filter);
        System.out.printf("policy bench: %d guests in %d networks, n=%d single-machine changes, namespace %s, %s%n",
                guests, (guests + PER_NETWORK - 1) / PER_NETWORK, n, ns, Sandbox.run("nft", "--version").strip());

        long start = System.nanoTime();
        reconciler.reconcile(base);
        double initial = ms(start);
        System.out.printf("initial apply (%d guests, one batch, incl. reading the absent table): %.1f ms%n", guests, initial);

        List<Double> fleetnet = new ArrayList<>();
        List<Double> peer = new ArrayList<>();
        List<Double> planning = new ArrayList<>();
        for (int i = 0; i < WARMUP + n; i++) {
            boolean add = i % 2 == 0;
            // fleetnet: the reconciler adds one more machine to network 1, then removes it again.
            DesiredPolicy next = add ? base.with(extra(1)) : base;
            Optional<PolicyState> before = Optional.of(PolicyPlanner.expected(add ? base : base.with(extra(1))));
            long t0 = System.nanoTime();
            PolicyPlanner.plan(next, before, false); // what reconcile computes before it runs nft
            double plan = ms(t0);
            long t1 = System.nanoTime();
            List<String> changes = reconciler.reconcile(next);
            double ours = ms(t1);
            if (changes.size() != 2) {
                throw new IllegalStateException("expected 2 element changes (guest_sources, exposed), got " + changes);
            }
            // peer: the same two element changes for another new machine of network 1, one nft process.
            GuestLink other = extra(2);
            String verb = add ? "add" : "delete";
            String script = verb + " element inet " + PolicyRules.TABLE + " " + PolicyRules.GUEST_SOURCES + " { \"" + other.link() + "\" . "
                    + other.address() + " }; " + verb + " element inet " + PolicyRules.TABLE + " " + PolicyRules.EXPOSED + " { "
                    + other.address() + " . tcp . 80 }";
            long t2 = System.nanoTime();
            Sandbox.run("ip", "netns", "exec", ns, "nft", script);
            double theirs = ms(t2);
            if (i >= WARMUP) {
                fleetnet.add(ours);
                peer.add(theirs);
                planning.add(plan);
            }
        }
        if (!filter.read().orElseThrow().equals(PolicyPlanner.expected(base))) {
            throw new IllegalStateException("the table is not the policy for " + guests + " guests after the run");
        }
        System.out.println("fleetnet  (PolicyReconciler + NftPacketFilter, ip netns exec nft -j -f -): " + summary(fleetnet));
        System.out.println("  of which planning in Java (expected state + diff, no I/O):          " + summary(planning));
        System.out.println("peer      (one plain `ip netns exec nft add|delete element ...` process): " + summary(peer));
        System.out.printf("ratio fleetnet/peer: median %.2f, p99 %.2f%n",
                percentile(fleetnet, 50) / percentile(peer, 50), percentile(fleetnet, 99) / percentile(peer, 99));
    }

    /** Guest i: network 1 + i/10, machine 1 + i%10 on host 1, exposing TCP 80. */
    private static GuestLink guest(int i) {
        long network = 1 + i / PER_NETWORK;
        long machine = 1 + i % PER_NETWORK;
        return new GuestLink(String.format("fm%012x", i + 1), AddressPlan.machineAddress(network, 1, machine), network, Set.of(80));
    }

    /** A machine beyond the base policy, in network 1 (which exists): its change is two elements. */
    private static GuestLink extra(int k) {
        return new GuestLink(String.format("fmffff%08x", k), AddressPlan.machineAddress(1, 1, 1000 + k), 1, Set.of(80));
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** Nearest rank: the smallest value with at least p% of the sample at or below it. */
    private static double percentile(List<Double> sample, double p) {
        List<Double> sorted = new ArrayList<>(sample);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static String summary(List<Double> sample) {
        return String.format("median %.2f ms, p99 %.2f ms (n=%d)", percentile(sample, 50), percentile(sample, 99), sample.size());
    }
}

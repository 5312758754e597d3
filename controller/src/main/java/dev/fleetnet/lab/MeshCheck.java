package dev.fleetnet.lab;

import dev.fleetnet.proto.v1.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Whether the mesh carries traffic between machines: every ordered pair of distinct machines
 * must have answered one ping from the first's namespace to the second's {@code fdaa::} address.
 * A pair that answered is not asked again; {@link #round} asks the others, a few at a time.
 * Machines that run are not yet a mesh: each agent configures its WireGuard peers when it
 * applies its view, and a pair answers once both hosts have the other's peer.
 */
public final class MeshCheck {
    /** Sends one ping from {@code namespace} to {@code address}; true when it was answered. */
    @FunctionalInterface
    public interface Pinger {
        boolean answers(String namespace, String address);
    }

    /** One direction between two machines. */
    record Pair(Machine from, Machine to) {
        @Override
        public String toString() {
            return from.getName() + "(" + from.getHost() + ") -> " + to.getName() + "(" + to.getHost() + ", " + to.getAddress() + ")";
        }
    }

    private static final int PARALLEL = 8;
    private final Pinger pinger;
    private List<Pair> pending;

    public MeshCheck(List<Machine> machines, Pinger pinger) {
        this.pinger = pinger;
        List<Pair> pairs = new ArrayList<>();
        for (Machine from : machines) {
            for (Machine to : machines) {
                if (!from.getName().equals(to.getName())) {
                    pairs.add(new Pair(from, to));
                }
            }
        }
        this.pending = pairs;
    }

    /** The real check: {@code ip netns exec NS ping -6 -n -c 1 -W 1 ADDRESS}. */
    public static boolean ping(String namespace, String address) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "ping", "-6", "-n", "-c", "1", "-W", "1", address)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not run ping in namespace " + namespace
                    + " (expected: iproute2 and iputils-ping, which ./fleetnet lab installs)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Pings every pair that has not answered yet, in parallel; true when none is left. */
    public boolean round() {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(PARALLEL, pending.size())));
        try {
            List<Future<Boolean>> answers = new ArrayList<>();
            for (Pair pair : pending) {
                answers.add(pool.submit(() -> pinger.answers(pair.from().getNetns(), pair.to().getAddress())));
            }
            List<Pair> still = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                if (!answers.get(i).get()) {
                    still.add(pending.get(i));
                }
            }
            pending = still;
            return pending.isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("pinging between machines failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Asks in rounds until every pair has answered or {@code deadline} has passed; returns the pairs that never answered. */
    public List<String> within(java.time.Duration deadline) {
        try {
            Deadline.await("every pair to answer a ping", deadline, this::round);
        } catch (IllegalStateException timedOut) {
            // what is left pending says which
        }
        return pending();
    }

    /** The pairs that have not answered yet, as {@code from(host) -> to(host, address)}. */
    public List<String> pending() {
        return pending.stream().map(Pair::toString).toList();
    }
}

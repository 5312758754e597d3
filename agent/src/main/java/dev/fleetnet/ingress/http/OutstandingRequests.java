package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.MachineEntry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Requests in flight per machine, for least-outstanding-requests balancing across an app. */
final class OutstandingRequests {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** The candidate with the fewest requests in flight; ties broken at random. */
    MachineEntry choose(List<MachineEntry> candidates) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        int offset = ThreadLocalRandom.current().nextInt(candidates.size());
        MachineEntry best = null;
        int bestCount = Integer.MAX_VALUE;
        for (int i = 0; i < candidates.size(); i++) {
            MachineEntry m = candidates.get((i + offset) % candidates.size());
            int count = count(m.name());
            if (count < bestCount) {
                best = m;
                bestCount = count;
            }
        }
        return best;
    }

    void started(String machine) {
        counts.computeIfAbsent(machine, k -> new AtomicInteger()).incrementAndGet();
    }

    void finished(String machine) {
        AtomicInteger count = counts.get(machine);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    int count(String machine) {
        AtomicInteger count = counts.get(machine);
        return count == null ? 0 : count.get();
    }
}

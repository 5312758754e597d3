package dev.fleetnet.ingress.http;

import dev.fleetnet.routing.MachineEntry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Requests in flight per machine, for least-outstanding-requests balancing across an app. */
final class OutstandingRequests {
    private final Map<String, InFlight> counts = new ConcurrentHashMap<>();

    /** One machine's requests in flight; an exchange keeps its machine's and ends with {@link #finished()}. */
    static final class InFlight {
        private final AtomicInteger count = new AtomicInteger();

        /** The request that {@link OutstandingRequests#started} counted is done. */
        void finished() {
            count.decrementAndGet();
        }
    }

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

    /** A request to {@code machine} is in flight until the returned count's {@link InFlight#finished()}. */
    InFlight started(String machine) {
        InFlight inFlight = counts.get(machine);
        if (inFlight == null) {
            inFlight = counts.computeIfAbsent(machine, k -> new InFlight());
        }
        inFlight.count.incrementAndGet();
        return inFlight;
    }

    int count(String machine) {
        InFlight inFlight = counts.get(machine);
        return inFlight == null ? 0 : inFlight.count.get();
    }
}

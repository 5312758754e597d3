package dev.fleetnet.agent.ports;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovers, every interval, which TCP ports each running machine listens on and hands the
 * whole map to {@code onChange} when it differs from the last one. Runs on its own thread so
 * a slow scan never holds up the data plane; a machine that cannot be scanned keeps its last
 * known ports until it can.
 */
public final class PortDiscovery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PortDiscovery.class);
    private final PortScanner scanner;
    private final Supplier<List<ScanTarget>> targets;
    private final Consumer<Map<String, Set<Integer>>> onChange;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "port-discovery");
        t.setDaemon(true);
        return t;
    });
    /** Owned by the discovery thread. */
    private Map<String, Set<Integer>> last = Map.of();

    public PortDiscovery(PortScanner scanner, Supplier<List<ScanTarget>> targets, Consumer<Map<String, Set<Integer>>> onChange) {
        this.scanner = scanner;
        this.targets = targets;
        this.onChange = onChange;
    }

    public void start(Duration interval) {
        thread.scheduleWithFixedDelay(this::scanOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over every target; public for tests, which call it directly. */
    public Map<String, Set<Integer>> scanOnce() {
        try {
            List<ScanTarget> now = targets.get();
            Map<String, Set<Integer>> found = new HashMap<>();
            for (ScanTarget target : now) {
                try {
                    found.put(target.machine(), Set.copyOf(scanner.listening(target)));
                } catch (Exception e) {
                    log.debug("cannot scan the ports of {} now ({}); keeping what was known", target.machine(), e.toString());
                    found.put(target.machine(), last.getOrDefault(target.machine(), Set.of()));
                }
            }
            scanner.retain(now.stream().map(ScanTarget::machine).collect(Collectors.toSet()));
            if (!found.equals(last)) {
                last = Map.copyOf(found);
                onChange.accept(last);
            }
            return last;
        } catch (RuntimeException e) {
            log.warn("port discovery pass failed: {}", e.toString());
            return last;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

package dev.fleetnet.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortDiscoveryTest {
    /** Answers from a map the test edits; a machine mapped to null cannot be scanned. */
    private static final class FakeScanner implements PortScanner {
        final Map<String, Set<Integer>> ports = new HashMap<>();
        Set<String> retained = Set.of();

        @Override
        public Set<Integer> listening(ScanTarget target) {
            Set<Integer> p = ports.get(target.machine());
            if (p == null) {
                throw new IllegalStateException("namespace " + target.netns() + " is gone");
            }
            return p;
        }

        @Override
        public void retain(Set<String> machines) {
            retained = machines;
        }
    }

    private final FakeScanner scanner = new FakeScanner();
    private final List<ScanTarget> targets = new ArrayList<>();
    private final List<Map<String, Set<Integer>>> reported = new ArrayList<>();
    private final PortDiscovery discovery = new PortDiscovery(scanner, () -> List.copyOf(targets), reported::add);

    @Test
    void reportsOnlyChanges() {
        targets.add(new ScanTarget("a", "ns-a", "fdaa:0:1:0:1:0:1:0", Set.of(8080)));
        targets.add(new ScanTarget("b", null, "fdaa:0:1:0:1:0:2:0", Set.of(22)));
        scanner.ports.put("a", Set.of());
        scanner.ports.put("b", Set.of(22));

        discovery.scanOnce();
        discovery.scanOnce();
        assertThat(reported).containsExactly(Map.of("a", Set.of(), "b", Set.of(22)));

        scanner.ports.put("a", Set.of(8080, 9000));
        discovery.scanOnce();
        assertThat(reported).hasSize(2);
        assertThat(reported.get(1)).isEqualTo(Map.of("a", Set.of(8080, 9000), "b", Set.of(22)));
    }

    @Test
    void aMachineThatCannotBeScannedKeepsItsLastPortsAndGoneMachinesAreForgotten() {
        targets.add(new ScanTarget("a", "ns-a", "fdaa:0:1:0:1:0:1:0", Set.of(8080)));
        scanner.ports.put("a", Set.of(8080));
        discovery.scanOnce();

        scanner.ports.put("a", null);
        discovery.scanOnce();
        assertThat(reported).containsExactly(Map.of("a", Set.of(8080)));

        targets.clear();
        discovery.scanOnce();
        assertThat(reported.getLast()).isEmpty();
        assertThat(scanner.retained).isEmpty();
    }
}

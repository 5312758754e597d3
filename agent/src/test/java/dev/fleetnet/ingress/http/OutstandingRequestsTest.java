package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.routing.MachineEntry;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutstandingRequestsTest {
    private static MachineEntry m(String name) {
        return new MachineEntry(name, "fdaa::1", true, Set.of(80), "app", Set.of(80));
    }

    @Test
    void picksTheMachineWithFewestRequestsInFlight() {
        OutstandingRequests outstanding = new OutstandingRequests();
        List<MachineEntry> app = List.of(m("a"), m("b"), m("c"));
        OutstandingRequests.InFlight a1 = outstanding.started("a");
        OutstandingRequests.InFlight a2 = outstanding.started("a");
        outstanding.started("b");
        assertThat(outstanding.choose(app).name()).isEqualTo("c");
        outstanding.started("c");
        outstanding.started("c");
        assertThat(outstanding.choose(app).name()).isEqualTo("b");
        a1.finished();
        a2.finished();
        assertThat(outstanding.choose(app).name()).isEqualTo("a");
        assertThat(outstanding.count("a")).isZero();
    }
}

package dev.fleetnet.agent.policy;

import dev.fleetnet.core.AddressPlan;
import java.util.List;
import java.util.Set;

/** Guests for the policy tests: A and B in network 1, C in network 2, all on host 1. */
final class Fixtures {
    static final String MESH = "flwg1";
    static final GuestLink A = new GuestLink("fm00000000000a", AddressPlan.machineAddress(1, 1, 1), 1, Set.of(80));
    static final GuestLink B = GuestLink.of("fm00000000000b", AddressPlan.machineAddress(1, 1, 2), 1);
    static final GuestLink C = new GuestLink("fm00000000000c", AddressPlan.machineAddress(2, 1, 1), 2, Set.of(443, 8080));

    private Fixtures() {}

    static DesiredPolicy policy(GuestLink... guests) {
        return new DesiredPolicy(MESH, List.of(guests));
    }
}

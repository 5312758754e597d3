package dev.fleetnet.agent.dns;

import dev.fleetnet.core.AddressPlan;
import dev.fleetnet.core.Ipv6;
import java.util.Objects;

/**
 * One machine of the fleet: name, app ("" for none), address, network number, the host it runs
 * on, whether it is running.
 *
 * <p>The address is kept in canonical (RFC 5952) form; it must be a plan address of
 * {@code network}, so a view that disagrees with itself is refused here, not answered wrongly.
 */
public record DnsMachine(String name, String app, String address, long network, String host, boolean running) {

    public DnsMachine {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("machine name: '" + name + "' (expected: a name such as 'web-1')");
        }
        app = Objects.requireNonNullElse(app, "");
        host = Objects.requireNonNullElse(host, "");
        if (address == null || !Ipv6.isValid(address)) {
            throw new IllegalArgumentException("machine " + name + ": address '" + address
                    + "' (expected: an IPv6 address such as fdaa:0:1:0:1:0:1:0)");
        }
        long planNetwork = AddressPlan.parse(address).network();
        if (planNetwork != network) {
            throw new IllegalArgumentException("machine " + name + ": network " + network + " (expected: " + planNetwork
                    + ", the network of its address " + address + ")");
        }
        address = Ipv6.canonical(address);
    }
}

package dev.fleetnet.cli;

import dev.fleetnet.netns.IpRouteNetworking;
import dev.fleetnet.netns.LinuxNetworking;

/** The real Linux networking the lab commands run on, acting on this process's own namespace. */
final class LabNetworking {
    private LabNetworking() {}

    static LinuxNetworking create() {
        return IpRouteNetworking.inOwnNamespace();
    }
}

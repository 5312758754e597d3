package dev.fleetnet.cli;

import dev.fleetnet.netns.LinuxNetworking;

/** The real Linux networking the lab commands run on, acting on this process's own namespace. */
final class LabNetworking {
    private LabNetworking() {}

    static LinuxNetworking create() {
        // TEMPORARY until netns-helper's IpRouteNetworking lands: resolved reflectively so this
        // module compiles meanwhile. Replace with IpRouteNetworking.inOwnNamespace().
        try {
            return (LinuxNetworking) Class.forName("dev.fleetnet.netns.IpRouteNetworking")
                    .getMethod("inOwnNamespace").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("netns-helper has no IpRouteNetworking.inOwnNamespace() yet", e);
        }
    }
}

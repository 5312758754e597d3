package dev.fleetnet.agent;

import java.nio.file.Path;
import java.time.Duration;

/** Everything an agent runs with, read from flags by {@link AgentMain} only. */
public record AgentConfig(String hostName, String controller, byte[] joinToken, String endpoint, int listenPort,
        String meshInterface, String netnsPrefix, Path stateDir, Duration resyncInterval, Path wireguardSocketDir) {
    public AgentConfig {
        joinToken = joinToken.clone();
        if (meshInterface.length() > 15) {
            throw new IllegalArgumentException("mesh interface: '" + meshInterface + "' (expected: at most 15 characters)");
        }
    }
}

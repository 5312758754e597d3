package dev.fleetnet.agent.policy;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** fleetnet's table in the host's packet filter: read it, or change it in one atomic batch. Other tables are never touched. */
public interface PacketFilter {

    /** The table as it is now, or empty if it does not exist. */
    Optional<PolicyState> read() throws IOException;

    /**
     * Applies {@code changes} in order as one transaction: either all of them take effect or, when
     * one fails, none does and an {@link IOException} says which batch failed and why.
     */
    void apply(List<PolicyChange> changes) throws IOException;
}

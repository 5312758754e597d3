package dev.fleetnet.agent.policy;

import org.junit.jupiter.api.BeforeEach;

/** The packet filter contract against the in-memory fake, so the fake keeps nft's rules. */
class InMemoryPacketFilterTest extends PacketFilterContract {
    private InMemoryPacketFilter filter;

    @BeforeEach
    void fresh() {
        filter = new InMemoryPacketFilter();
    }

    @Override
    PacketFilter filter() {
        return filter;
    }
}

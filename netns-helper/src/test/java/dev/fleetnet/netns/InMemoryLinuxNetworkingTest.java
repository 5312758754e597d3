package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.netns.memory.InMemoryLinuxNetworking;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InMemoryLinuxNetworkingTest extends AbstractLinuxNetworkingContract {
    private InMemoryLinuxNetworking memory;

    @BeforeEach
    void create() {
        memory = new InMemoryLinuxNetworking();
        net = memory;
    }

    @Override
    protected String sysctl(String namespace, String key) {
        return memory.sysctls(namespace).get(key);
    }

    @Test
    void transcriptRecordsOnlyCallsThatChangedSomething() {
        memory.createNamespace("m");
        memory.createNamespace("m");
        memory.addVeth("v", "eth0", "m");
        memory.addVeth("v", "eth0", "m");
        assertThat(memory.transcript()).containsExactly("createNamespace m", "addVeth v eth0 m");
        memory.clearTranscript();
        memory.deleteNamespace("gone");
        assertThat(memory.transcript()).isEmpty();
    }

    @Test
    void killingProcessesEmptiesTheNamespace() {
        memory.createNamespace("m");
        memory.startProcess("m", 42);
        assertThat(memory.processes("m")).containsExactly(42);
        memory.killProcesses("m");
        assertThat(memory.processes("m")).isEmpty();
    }
}
